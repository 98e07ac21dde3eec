import path from 'node:path';

/** The folder holding the embedded database, artifacts and generated keys. */
export function dataDir(): string {
  return path.resolve(/*turbopackIgnore: true*/ process.env.TESTYARD_DATA_DIR ?? '.data');
}

/** The checkout's root (where prisma/ and .next/ are), for the processes run from it with tsx. */
export function projectRoot(): string {
  return path.resolve(import.meta.dirname, '../..');
}
