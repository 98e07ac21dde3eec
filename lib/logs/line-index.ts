import { open } from 'node:fs/promises';

/** The index keeps the start of every n-th line: a line is at most this many lines' read away. */
export const linesPerCheckpoint = 1024;
const chunkBytes = 4 * 1024 * 1024;
const newline = 10;

interface Waiter {
  ready: () => boolean;
  resolve: () => void;
  reject: (error: Error) => void;
}

/**
 * A sparse line-offset index of an immutable file, built by one streaming
 * pass in the background. Readers ask for a line or a byte offset and wait
 * only until the scan has passed it, so the first lines of a huge file are
 * served at once while the rest is still being indexed.
 */
export class LineIndex {
  /** checkpoints[k] is the byte offset where line k × linesPerCheckpoint starts. */
  private checkpoints = new Float64Array(1024);
  private checkpointCount = 1;
  /** Newlines seen so far: every line up to this one has a known start. */
  private scannedLines = 0;
  private scannedBytes = 0;
  private failure: Error | null = null;
  private waiters: Waiter[] = [];
  /** Set once the whole file is scanned. */
  totalLines: number | null = null;

  private constructor(readonly filePath: string, readonly size: number) {}

  static build(filePath: string, size: number): LineIndex {
    const index = new LineIndex(filePath, size);
    index.scan().catch((error: Error) => index.fail(error));
    return index;
  }

  get failed(): boolean {
    return this.failure !== null;
  }

  get complete(): boolean {
    return this.totalLines !== null;
  }

  /** Lines known so far: the total once complete. */
  get knownLines(): number {
    return this.totalLines ?? this.scannedLines;
  }

  /** The nearest checkpoint at or before `line`, once the scan has reached the line. */
  async checkpointForLine(line: number): Promise<{ line: number; offset: number }> {
    await this.until(() => this.scannedLines >= line);
    const k = Math.min(Math.floor(line / linesPerCheckpoint), this.checkpointCount - 1);
    return { line: k * linesPerCheckpoint, offset: this.checkpoints[k]! };
  }

  /** The nearest checkpoint at or before byte `offset`, once the scan has passed it. */
  async checkpointForOffset(offset: number): Promise<{ line: number; offset: number }> {
    await this.until(() => this.scannedBytes > offset);
    let low = 0;
    let high = this.checkpointCount - 1;
    while (low < high) {
      const middle = (low + high + 1) >> 1;
      if (this.checkpoints[middle]! <= offset) low = middle;
      else high = middle - 1;
    }
    return { line: low * linesPerCheckpoint, offset: this.checkpoints[low]! };
  }

  /** Resolves with the line count once the whole file is scanned. */
  async whenComplete(): Promise<number> {
    await this.until(() => false);
    return this.totalLines!;
  }

  private until(ready: () => boolean): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.complete || ready()) return Promise.resolve();
    return new Promise((resolve, reject) => this.waiters.push({ ready, resolve, reject }));
  }

  private async scan(): Promise<void> {
    if (this.size === 0) {
      this.totalLines = 0;
      return;
    }
    const handle = await open(this.filePath, 'r');
    try {
      const buffer = Buffer.allocUnsafe(chunkBytes);
      let lastByte = newline;
      while (this.scannedBytes < this.size) {
        const { bytesRead } = await handle.read(buffer, 0, Math.min(chunkBytes, this.size - this.scannedBytes), this.scannedBytes);
        if (bytesRead === 0) break;
        const chunk = buffer.subarray(0, bytesRead);
        for (let at = chunk.indexOf(newline); at !== -1; at = chunk.indexOf(newline, at + 1)) {
          this.scannedLines++;
          if (this.scannedLines % linesPerCheckpoint === 0) this.addCheckpoint(this.scannedBytes + at + 1);
        }
        lastByte = chunk[bytesRead - 1]!;
        this.scannedBytes += bytesRead;
        this.wakeWaiters();
      }
      this.totalLines = this.scannedLines + (lastByte === newline ? 0 : 1);
      this.wakeWaiters();
    } finally {
      await handle.close();
    }
  }

  private addCheckpoint(offset: number): void {
    if (this.checkpointCount === this.checkpoints.length) {
      const grown = new Float64Array(this.checkpoints.length * 2);
      grown.set(this.checkpoints);
      this.checkpoints = grown;
    }
    this.checkpoints[this.checkpointCount++] = offset;
  }

  private wakeWaiters(): void {
    const waiting = this.waiters;
    this.waiters = [];
    for (const waiter of waiting) {
      if (this.complete || waiter.ready()) waiter.resolve();
      else this.waiters.push(waiter);
    }
  }

  private fail(error: Error): void {
    this.failure = error;
    for (const waiter of this.waiters) waiter.reject(error);
    this.waiters = [];
  }
}

const maxCachedIndexes = 200;
const cache = new Map<string, LineIndex>();

/**
 * The index of a stored file by its content hash: built on first use and
 * kept (a few KB per GB of log) for the most recently used files.
 */
export function lineIndexFor(sha256: string, filePath: string, size: number): LineIndex {
  const key = `${sha256}:${size}`;
  let index = cache.get(key);
  cache.delete(key);
  if (!index || index.failed) index = LineIndex.build(filePath, size);
  cache.set(key, index);
  if (cache.size > maxCachedIndexes) cache.delete(cache.keys().next().value!);
  return index;
}
