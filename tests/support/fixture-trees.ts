import { cp, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { repoRoot } from './test-database';

/**
 * A copy of tests/fixtures/<name> under the temporary directory, which test
 * apps allow as a root of local repositories (the checkout itself never is).
 */
export async function fixtureTreeCopy(name: string): Promise<string> {
  const target = await mkdtemp(path.join(tmpdir(), `testyard-${name}-`));
  await cp(path.join(repoRoot, 'tests', 'fixtures', name), target, { recursive: true });
  return target;
}
