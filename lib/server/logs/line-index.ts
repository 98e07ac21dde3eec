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
 * A sparse line-offset index of a file, built by streaming passes in the
 * background. Readers ask for a line or a byte offset and wait only until
 * the scan has passed it, so the first lines of a huge file are served at
 * once while the rest is still being indexed. An index of a stored file
 * (`build`) covers it whole and knows its line count; an index of a file
 * still being written (`growing`) is extended as the file grows, to the end
 * of its last complete line.
 */
export class LineIndex {
  /** checkpoints[k] is the byte offset where line k × linesPerCheckpoint starts. */
  private checkpoints = new Float64Array(1024);
  private checkpointCount = 1;
  /** Newlines seen so far: every line up to this one has a known start. */
  private scannedLines = 0;
  private scannedBytes = 0;
  /** Byte offset just past the last newline scanned. */
  private linesEnd = 0;
  /** How far the file is to be scanned. */
  private targetBytes = 0;
  private scanning = false;
  private lastByte = newline;
  private failure: Error | null = null;
  private waiters: Waiter[] = [];
  /** Set once the whole file is scanned (never for a growing file). */
  totalLines: number | null = null;

  private constructor(
    readonly filePath: string,
    private readonly sealed: boolean,
  ) {}

  /** The index of an immutable file of `size` bytes. */
  static build(filePath: string, size: number): LineIndex {
    const index = new LineIndex(filePath, true);
    index.targetBytes = size;
    index.startScan();
    return index;
  }

  /** The index of a file still being written; `extendTo` scans what was added. */
  static growing(filePath: string): LineIndex {
    return new LineIndex(filePath, false);
  }

  get failed(): boolean {
    return this.failure !== null;
  }

  get complete(): boolean {
    return this.totalLines !== null;
  }

  /** An index of a file still being written: it knows the lines scanned so far, never a total. */
  get growing(): boolean {
    return !this.sealed;
  }

  /** Whether line `line` (from 0) is past the lines this index can answer for: the file's end, or a growing file's last complete line. */
  isPastEnd(line: number): boolean {
    return this.totalLines !== null ? line >= this.totalLines : this.growing && line >= this.scannedLines;
  }

  /** Lines known so far: the total once complete. */
  get knownLines(): number {
    return this.totalLines ?? this.scannedLines;
  }

  /**
   * A growing file now has `size` bytes: resolves, once they are scanned,
   * with the end of its last complete line (what readers may read of it).
   */
  async extendTo(size: number): Promise<number> {
    if (size > this.targetBytes) {
      this.targetBytes = size;
      this.startScan();
    }
    await this.until(() => this.scannedBytes >= size);
    return this.linesEnd;
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
    if (!this.sealed) throw new Error(`${this.filePath} is still being written: it has no line count yet`);
    await this.until(() => false);
    return this.totalLines!;
  }

  private until(ready: () => boolean): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.complete || ready()) return Promise.resolve();
    return new Promise((resolve, reject) => this.waiters.push({ ready, resolve, reject }));
  }

  private startScan(): void {
    if (this.scanning) return;
    this.scanning = true;
    this.scan()
      .catch((error: Error) => this.fail(error))
      .finally(() => (this.scanning = false));
  }

  private async scan(): Promise<void> {
    if (this.sealed && this.targetBytes === 0) {
      this.totalLines = 0;
      return;
    }
    const handle = await open(this.filePath, 'r');
    try {
      const buffer = Buffer.allocUnsafe(chunkBytes);
      // the target may move on while a pass runs (a growing file): go on until it is reached
      while (this.scannedBytes < this.targetBytes) {
        const { bytesRead } = await handle.read(buffer, 0, Math.min(chunkBytes, this.targetBytes - this.scannedBytes), this.scannedBytes);
        if (bytesRead === 0) throw new Error(`${this.filePath} ended at byte ${this.scannedBytes}, before byte ${this.targetBytes}`);
        const chunk = buffer.subarray(0, bytesRead);
        let lastNewline = -1;
        for (let at = chunk.indexOf(newline); at !== -1; at = chunk.indexOf(newline, at + 1)) {
          this.scannedLines++;
          lastNewline = at;
          if (this.scannedLines % linesPerCheckpoint === 0) this.addCheckpoint(this.scannedBytes + at + 1);
        }
        if (lastNewline !== -1) this.linesEnd = this.scannedBytes + lastNewline + 1;
        this.lastByte = chunk[bytesRead - 1]!;
        this.scannedBytes += bytesRead;
        this.wakeWaiters();
      }
      if (this.sealed) {
        this.totalLines = this.scannedLines + (this.lastByte === newline ? 0 : 1);
        this.wakeWaiters();
      }
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
  return cached(`${sha256}:${size}`, () => LineIndex.build(filePath, size));
}

/** The index of a file still being written, by its path (a running attempt's output is never rewritten). */
export function growingLineIndexFor(filePath: string): LineIndex {
  return cached(`growing:${filePath}`, () => LineIndex.growing(filePath));
}

function cached(key: string, create: () => LineIndex): LineIndex {
  let index = cache.get(key);
  cache.delete(key);
  if (!index || index.failed) index = create();
  cache.set(key, index);
  if (cache.size > maxCachedIndexes) cache.delete(cache.keys().next().value!);
  return index;
}
