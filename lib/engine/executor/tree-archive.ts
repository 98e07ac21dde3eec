import { createReadStream } from 'node:fs';
import { lstat, readdir, readlink } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import tar from 'tar-stream';
import type { SuitePart } from './types';

/** A generated file, or an empty folder, at the top of the archive. */
export type ExtraEntry = { name: string; content: string; mode?: number } | { name: string; directory: true };

/**
 * A tar stream of the suite's parts under `prefix/` (directories without
 * `.git`), plus a few generated entries; built while it is being sent, never
 * held in memory. Missing parent directories get their own entries.
 */
export function archiveTree(parts: readonly SuitePart[], prefix: string, extraEntries: ExtraEntry[]): Readable {
  for (const part of parts) checkPartPath(part.at);
  const pack = tar.pack();
  const directories = new Set<string>();
  void (async () => {
    for (const extra of extraEntries) {
      if ('directory' in extra) await addEntry(pack, { name: extra.name, mode: 0o755, type: 'directory' });
      else await addEntry(pack, { name: extra.name, mode: extra.mode ?? 0o644, type: 'file' }, Buffer.from(extra.content));
    }
    await addMissingDirectories(pack, directories, prefix);
    for (const part of parts) {
      const name = part.at ? `${prefix}/${part.at}` : prefix;
      if ('symlink' in part) {
        await addMissingDirectories(pack, directories, path.posix.dirname(name));
        await addEntry(pack, { name, mode: 0o777, type: 'symlink', linkname: part.symlink });
      } else {
        await addMissingDirectories(pack, directories, name);
        await addDirectory(pack, directories, part.directory, name);
      }
    }
    pack.finalize();
  })().catch((error: Error) => pack.destroy(error));
  return Readable.from(pack);
}

function checkPartPath(at: string): void {
  if (at === '') return;
  if (path.posix.isAbsolute(at) || at.split('/').some((segment) => segment === '..' || segment === '.' || segment === '')) {
    throw new Error(`cannot place "${at}" in the tests directory: the path must be relative, without "." or ".." segments`);
  }
}

async function addMissingDirectories(pack: tar.Pack, directories: Set<string>, name: string): Promise<void> {
  if (directories.has(name)) return;
  const parent = path.posix.dirname(name);
  if (parent !== name && parent !== '.') await addMissingDirectories(pack, directories, parent);
  directories.add(name);
  await addEntry(pack, { name, mode: 0o755, type: 'directory' });
}

async function addDirectory(pack: tar.Pack, directories: Set<string>, localDir: string, archiveDir: string): Promise<void> {
  const entries = await readdir(localDir, { withFileTypes: true });
  entries.sort((a, b) => (a.name < b.name ? -1 : 1));
  for (const entry of entries) {
    if (entry.name === '.git') continue;
    const localPath = path.join(localDir, entry.name);
    const name = `${archiveDir}/${entry.name}`;
    const stats = await lstat(localPath);
    const mode = stats.mode & 0o7777;
    if (stats.isDirectory()) {
      directories.add(name);
      await addEntry(pack, { name, mode, type: 'directory' });
      await addDirectory(pack, directories, localPath, name);
    } else if (stats.isSymbolicLink()) {
      await addEntry(pack, { name, mode, type: 'symlink', linkname: await readlink(localPath) });
    } else if (stats.isFile()) {
      const sink = pack.entry({ name, mode, size: stats.size, mtime: stats.mtime, type: 'file' });
      await pipeline(createReadStream(localPath), sink);
    }
  }
}

function addEntry(
  pack: tar.Pack,
  header: Partial<tar.Header> & Pick<tar.Header, 'name'>,
  content: Buffer = Buffer.alloc(0),
): Promise<void> {
  return new Promise((resolve, reject) => {
    pack.entry(header, content, (error) => (error ? reject(error) : resolve()));
  });
}
