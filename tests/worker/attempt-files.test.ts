// What the worker reads from an attempt's folder before storing it: every
// regular file under files/ with its size and sha256.
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, expect, test } from 'vitest';
import { listAttemptFiles } from '../../worker/attempt-files';

const made: string[] = [];
afterAll(() => Promise.all(made.map((folder) => rm(folder, { recursive: true, force: true }))));

test('lists regular files under files/ with size and sha256, empty and multi-chunk files alike; symlinks left out', async () => {
  const folder = await mkdtemp(path.join(tmpdir(), 'testyard-attempt-files-'));
  made.push(folder);
  const large = randomBytes(200_000);
  await mkdir(path.join(folder, 'files', 'sub'), { recursive: true });
  await writeFile(path.join(folder, 'files', 'output.txt'), '');
  await writeFile(path.join(folder, 'files', 'sub', 'large.bin'), large);
  await symlink('/etc/passwd', path.join(folder, 'files', 'link'));
  const sha256 = (content: Buffer | string) => createHash('sha256').update(content).digest('hex');
  expect((await listAttemptFiles(folder)).map(({ path: name, size, sha256: digest }) => ({ name, size, digest }))).toEqual([
    { name: 'files/output.txt', size: 0, digest: sha256('') },
    { name: 'files/sub/large.bin', size: 200_000, digest: sha256(large) },
  ]);
});

test('an attempt without files/ has no files', async () => {
  const folder = await mkdtemp(path.join(tmpdir(), 'testyard-attempt-files-'));
  made.push(folder);
  expect(await listAttemptFiles(folder)).toEqual([]);
});
