import { existsSync } from 'node:fs';
import path from 'node:path';

/** Where the shared folder is looked for when `TESTYARD_SHARED` is unset: beside the checkout. */
const defaultSharedDir = path.resolve(import.meta.dirname, '../../../shared');

/**
 * The team's shared folder: its `conformance/` holds the reference data the
 * fmf conformance tests compare against (see the README's "Tests"). It is
 * not part of the repository; `TESTYARD_SHARED` points at it when it is not
 * beside the checkout.
 */
export function sharedDir(): string {
  const dir = process.env.TESTYARD_SHARED || defaultSharedDir;
  const conformance = path.join(dir, 'conformance');
  if (!existsSync(conformance)) {
    const origin = process.env.TESTYARD_SHARED ? 'TESTYARD_SHARED' : 'beside the checkout';
    throw new Error(`conformance data not found: expected the folder ${conformance} (${origin}); set TESTYARD_SHARED to the shared folder`);
  }
  return dir;
}
