import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient } from '../../generated/prisma/client';

export type Db = InstanceType<typeof PrismaClient>;

/** The client handed to an interactive `db.$transaction(async (tx) => …)`. */
export type Transaction = Parameters<Parameters<Db['$transaction']>[0]>[0];

export function createDb(databaseUrl: string): Db {
  return new PrismaClient({ adapter: new PrismaPg({ connectionString: databaseUrl }) });
}

const cache = globalThis as unknown as { testyardDb?: Db };

/** The process-wide client for DATABASE_URL (kept across Next.js hot reloads). */
export function db(): Db {
  if (!cache.testyardDb) {
    const url = process.env.DATABASE_URL;
    if (!url) throw new Error('DATABASE_URL is not set: start Testyard with `npm start`, which provides it');
    cache.testyardDb = createDb(url);
  }
  return cache.testyardDb;
}
