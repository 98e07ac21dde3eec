// The folder artifact store taking an attempt's folder over: by one rename
// within its file system, by a copy from another one.
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { FolderArtifactStore } from '../../lib/server/artifacts/store';

const made: string[] = [];
afterAll(() => Promise.all(made.map((folder) => rm(folder, { recursive: true, force: true }))));

async function folderIn(parent: string): Promise<string> {
  const folder = await mkdtemp(path.join(parent, 'testyard-store-test-'));
  made.push(folder);
  return folder;
}

async function attemptFolder(parent: string, files: Record<string, string>): Promise<string> {
  const folder = await folderIn(parent);
  for (const [name, body] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(folder, name)), { recursive: true });
    await writeFile(path.join(folder, name), body);
  }
  return folder;
}

async function storedFiles(root: string): Promise<string[]> {
  const entries = await readdir(root, { recursive: true, withFileTypes: true });
  return entries
    .filter((entry) => entry.isFile())
    .map((entry) => path.relative(root, path.join(entry.parentPath, entry.name)))
    .sort();
}

// /dev/shm is a tmpfs: a folder there is on another file system than the temporary folder's.
const otherFileSystem = existsSync('/dev/shm') && (await stat('/dev/shm')).dev !== (await stat(tmpdir())).dev;

const read = async (store: FolderArtifactStore, key: string) => readFile(await store.localPath(key), 'utf8');

describe('FolderArtifactStore.putFolder', () => {
  test('moves the folder under the prefix, making its parent folders, and leaves nothing at the source', async () => {
    const store = new FolderArtifactStore(await folderIn(tmpdir()));
    const source = await attemptFolder(tmpdir(), { 'files/output.txt': 'out\n', 'files/sub/one/log.txt': 'log\n' });
    await store.putFolder('run/platform/abc-1', source);
    expect(existsSync(source)).toBe(false);
    expect(await storedFiles(store.root)).toEqual(['run/platform/abc-1/files/output.txt', 'run/platform/abc-1/files/sub/one/log.txt']);
    expect(await read(store, 'run/platform/abc-1/files/sub/one/log.txt')).toBe('log\n');

    // A second attempt of the platform goes beside it, into the parent folder made for the first.
    await store.putFolder('run/platform/abc-2', await attemptFolder(tmpdir(), { 'files/output.txt': 'second\n' }));
    expect(await read(store, 'run/platform/abc-2/files/output.txt')).toBe('second\n');
  });

  test('storing the same prefix again replaces everything stored under it', async () => {
    const store = new FolderArtifactStore(await folderIn(tmpdir()));
    await store.putFolder('run/p/abc-1', await attemptFolder(tmpdir(), { 'files/old.txt': 'old\n', 'files/kept.txt': 'first\n' }));
    await store.putFolder('run/p/abc-1', await attemptFolder(tmpdir(), { 'files/kept.txt': 'second\n' }));
    expect(await storedFiles(store.root)).toEqual(['run/p/abc-1/files/kept.txt']);
    expect(await read(store, 'run/p/abc-1/files/kept.txt')).toBe('second\n');
  });

  test('a missing folder is an error naming it, and stores nothing', async () => {
    const store = new FolderArtifactStore(await folderIn(tmpdir()));
    const missing = path.join(tmpdir(), 'testyard-store-test-missing-folder');
    await expect(store.putFolder('run/p/abc-1', missing)).rejects.toThrow(missing);
    expect(await storedFiles(store.root)).toEqual([]);
  });

  test.runIf(otherFileSystem)('from another file system: copied, then removed at the source, with no partial copy left', async () => {
    const store = new FolderArtifactStore(await folderIn(tmpdir()));
    await store.putFolder('run/p/abc-1', await attemptFolder(tmpdir(), { 'files/old.txt': 'old\n' }));
    const source = await attemptFolder('/dev/shm', { 'files/output.txt': 'out\n', 'files/sub/log.txt': 'log\n' });
    await store.putFolder('run/p/abc-1', source);
    expect(existsSync(source)).toBe(false);
    expect(await storedFiles(store.root)).toEqual(['run/p/abc-1/files/output.txt', 'run/p/abc-1/files/sub/log.txt']);
    expect(await read(store, 'run/p/abc-1/files/sub/log.txt')).toBe('log\n');
  });
});
