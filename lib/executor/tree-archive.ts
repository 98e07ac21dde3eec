import { createReadStream } from 'node:fs';
import { lstat, readdir, readlink } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import tar from 'tar-stream';

export interface ExtraFile {
  name: string;
  content: string;
  mode?: number;
}

/**
 * A tar stream of a local fmf tree under `prefix/` (without `.git`), plus a
 * few generated files; built while it is being sent, never held in memory.
 */
export function archiveTree(root: string, prefix: string, extraFiles: ExtraFile[]): Readable {
  const pack = tar.pack();
  void (async () => {
    for (const extra of extraFiles) {
      await addEntry(pack, { name: extra.name, mode: extra.mode ?? 0o644, type: 'file' }, Buffer.from(extra.content));
    }
    await addEntry(pack, { name: prefix, mode: 0o755, type: 'directory' });
    await addDirectory(pack, root, prefix);
    pack.finalize();
  })().catch((error: Error) => pack.destroy(error));
  return Readable.from(pack);
}

async function addDirectory(pack: tar.Pack, localDir: string, archiveDir: string): Promise<void> {
  const entries = await readdir(localDir, { withFileTypes: true });
  entries.sort((a, b) => (a.name < b.name ? -1 : 1));
  for (const entry of entries) {
    if (entry.name === '.git') continue;
    const localPath = path.join(localDir, entry.name);
    const name = `${archiveDir}/${entry.name}`;
    const stats = await lstat(localPath);
    const mode = stats.mode & 0o7777;
    if (stats.isDirectory()) {
      await addEntry(pack, { name, mode, type: 'directory' });
      await addDirectory(pack, localPath, name);
    } else if (stats.isSymbolicLink()) {
      await addEntry(pack, { name, mode, type: 'symlink', linkname: await readlink(localPath) });
    } else if (stats.isFile()) {
      const sink = pack.entry({ name, mode, size: stats.size, mtime: stats.mtime, type: 'file' });
      await pipeline(createReadStream(localPath), sink);
    }
  }
}

function addEntry(pack: tar.Pack, header: Partial<tar.Header> & Pick<tar.Header, 'name'>, content: Buffer = Buffer.alloc(0)): Promise<void> {
  return new Promise((resolve, reject) => {
    pack.entry(header, content, (error) => (error ? reject(error) : resolve()));
  });
}
