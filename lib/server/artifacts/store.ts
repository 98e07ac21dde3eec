import { createReadStream } from 'node:fs';
import { copyFile, mkdir, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { artifactsDir } from '../config';

/**
 * Where attempt files live once ingested. Keys are relative paths
 * ("<run>/<attempt>/files/x.log"); the database keeps the key next to the
 * file's size and sha256.
 */
export interface ArtifactStore {
  /** Stores the file at `sourcePath` under `key`, taking it over (moving) when it can; storing the same key again replaces it. */
  put(key: string, sourcePath: string): Promise<void>;
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

  async put(key: string, sourcePath: string): Promise<void> {
    const target = this.pathOf(key);
    await mkdir(path.dirname(target), { recursive: true });
    try {
      await rename(sourcePath, target);
    } catch (error) {
      // Another file system: copy through a temporary name so readers never see half a file.
      if ((error as NodeJS.ErrnoException).code !== 'EXDEV') throw error;
      const temporary = `${target}.${process.pid}.partial`;
      await copyFile(sourcePath, temporary);
      await rename(temporary, target);
      await rm(sourcePath, { force: true });
    }
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
