import { existsSync } from 'node:fs';
import path from 'node:path';

/**
 * The team's shared folder (specs and conformance data) lives beside the
 * checkout; TESTYARD_SHARED points elsewhere when it does not.
 */
export function sharedDir(): string {
  const candidates = [process.env.TESTYARD_SHARED, path.resolve(import.meta.dirname, '../../../shared')];
  for (const dir of candidates) {
    if (dir && existsSync(path.join(dir, 'spec'))) return dir;
  }
  throw new Error('shared/ not found beside the checkout: set TESTYARD_SHARED to its path');
}
