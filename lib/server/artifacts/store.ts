import { createReadStream } from 'node:fs';
import { cp, mkdir, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { artifactsDir } from '../config';

/**
 * Where attempt files live once ingested. Keys are relative paths
 * ("<run>/<attempt>/files/x.log"); the database keeps the key next to the
 * file's size and sha256.
 */
export interface ArtifactStore {
  /**
   * Stores every file in the folder at `sourcePath` under `prefix`/<its path
   * in the folder>, taking the folder over (moving it) when it can: one move
   * for all of an attempt's files. Storing the same prefix again replaces
   * everything stored under it.
   */
  putFolder(prefix: string, sourcePath: string): Promise<void>;
  read(key: string): Readable;
  size(key: string): Promise<number>;
  /** A file on this machine with the content, for random access (ranged reads of large logs); a remote store would cache it. */
  localPath(key: string): Promise<string>;
  /** Removes every file whose key starts with `prefix` followed by "/". */
  removeAll(prefix: string): Promise<void>;
  /**
   * A folder for a running attempt's files under `key`, on the store's own
   * file system, where web servers that share the store can read a test's
   * output while it runs; null for a store without one (output then reaches
   * viewers only as it is pushed).
   */
  liveDirectory(key: string): string | null;
}

/** Where live directories are, among the store's keys. */
const liveKeyPrefix = 'live';

/** Artifacts in a folder (by default `<data dir>/artifacts`). */
export class FolderArtifactStore implements ArtifactStore {
  constructor(readonly root: string) {}

  async putFolder(prefix: string, sourcePath: string): Promise<void> {
    const target = this.pathOf(prefix);
    const move = () =>
      rename(sourcePath, target).catch((error: NodeJS.ErrnoException) => {
        if (error.code !== 'EXDEV') throw error;
        return this.copyFolder(sourcePath, target);
      });
    // Tried before making the parent folder, which the platform's earlier attempts have made in most cases.
    try {
      await move();
    } catch (error) {
      const { code } = error as NodeJS.ErrnoException;
      if (code === 'ENOENT') await mkdir(path.dirname(target), { recursive: true });
      else if (code === 'ENOTEMPTY' || code === 'EEXIST') await rm(target, { recursive: true, force: true });
      else throw error;
      await move();
    }
  }

  /** From another file system: copied under a temporary name first, so that readers never see half a file. */
  private async copyFolder(sourcePath: string, target: string): Promise<void> {
    const temporary = `${target}.${process.pid}.partial`;
    await mkdir(path.dirname(target), { recursive: true });
    await cp(sourcePath, temporary, { recursive: true, verbatimSymlinks: true });
    await rm(target, { recursive: true, force: true });
    await rename(temporary, target);
    await rm(sourcePath, { recursive: true, force: true });
  }

  read(key: string): Readable {
    return createReadStream(this.pathOf(key));
  }

  async size(key: string): Promise<number> {
    return (await stat(this.pathOf(key))).size;
  }

  async localPath(key: string): Promise<string> {
    return this.pathOf(key);
  }

  async removeAll(prefix: string): Promise<void> {
    await rm(this.pathOf(prefix), { recursive: true, force: true });
  }

  liveDirectory(key: string): string {
    return this.pathOf(`${liveKeyPrefix}/${key}`);
  }

  private pathOf(key: string): string {
    const parts = key.split('/');
    if (!key || parts.some((part) => part === '' || part === '.' || part === '..')) throw new Error(`not an artifact key: ${key}`);
    return path.join(this.root, ...parts);
  }
}

export function defaultArtifactStore(): ArtifactStore {
  return new FolderArtifactStore(artifactsDir());
}
