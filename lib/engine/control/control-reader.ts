import { badControl, streamCut } from './errors';

/** Bytes the test may still send in this attempt, shared by every stream of the attempt (reboots). */
export class ByteBudget {
  private used = 0;

  constructor(readonly maxBytes: number) {}

  /** Fails before reading an announced body that could never fit. */
  ensureRoomFor(bytes: number, what: string): void {
    if (this.used + bytes > this.maxBytes) {
      throw badControl(
        `${what} of ${bytes} bytes would exceed the limit of ${this.maxBytes} bytes per attempt (${this.used} already received)`,
      );
    }
  }

  consume(bytes: number): void {
    this.ensureRoomFor(bytes, 'control data');
    this.used += bytes;
  }
}

/** The most the reader ever held at once: a partial control line, a result JSON, or file batches being written. */
export interface BufferStats {
  peakBufferedBytes: number;
}

const newline = 0x0a;

/** What a control stream can be read from: a Node stream, or any async iterable of chunks. */
export type ControlSource = NodeJS.ReadableStream | AsyncIterable<Buffer | string>;

/** File bodies are written in batches of about this size; at most two batches are held at once. */
export const copyBatchBytes = 1024 * 1024;

/**
 * Reads a control stream chunk by chunk, never holding more than one control
 * line or one announced JSON object; file bodies pass straight through.
 */
export class ControlReader {
  private readonly chunks: AsyncIterator<Buffer | string>;
  private leftover: Buffer | null = null;

  constructor(
    stream: ControlSource,
    private readonly budget: ByteBudget,
    private readonly maxLineBytes: number,
    private readonly stats: BufferStats,
  ) {
    this.chunks = stream[Symbol.asyncIterator]();
  }

  /** Stops reading; an unfinished stream is destroyed, which closes the pipe for the writer. */
  async release(): Promise<void> {
    await this.chunks.return?.();
  }

  private async nextChunk(): Promise<Buffer | null> {
    if (this.leftover) {
      const chunk = this.leftover;
      this.leftover = null;
      return chunk;
    }
    for (;;) {
      const next = await this.chunks.next().catch((error: unknown) => {
        // The executor destroying the stream (say, the wrapper exited but a stray process keeps the pipe open) ends it.
        if (error instanceof Error && 'code' in error && error.code === 'ERR_STREAM_PREMATURE_CLOSE') return null;
        throw error;
      });
      if (!next || next.done) return null;
      const chunk = typeof next.value === 'string' ? Buffer.from(next.value) : next.value;
      if (chunk.length > 0) return chunk;
    }
  }

  /** Takes `bytes` from the front of `chunk` and keeps the rest for the next read. */
  private take(chunk: Buffer, bytes: number): Buffer {
    this.budget.consume(bytes);
    if (bytes < chunk.length) this.leftover = chunk.subarray(bytes);
    return chunk.subarray(0, bytes);
  }

  private noteBuffered(bytes: number): void {
    if (bytes > this.stats.peakBufferedBytes) this.stats.peakBufferedBytes = bytes;
  }

  /** The next line without its `\n`; null at a clean end of stream. */
  async readLine(): Promise<Buffer | null> {
    const pieces: Buffer[] = [];
    let pending = 0;
    for (;;) {
      const chunk = await this.nextChunk();
      if (!chunk) {
        if (pending === 0) return null;
        throw streamCut(`end of stream in the middle of a control line (${pending} bytes without a newline)`);
      }
      const room = this.maxLineBytes - pending;
      const end = chunk.subarray(0, room).indexOf(newline);
      if (end >= 0) {
        pieces.push(this.take(chunk, end + 1).subarray(0, end));
        return pieces.length === 1 ? pieces[0] : Buffer.concat(pieces);
      }
      if (chunk.length >= room) {
        throw badControl(`control line longer than ${this.maxLineBytes} bytes (including the newline)`);
      }
      // Copied so a few bytes of a line never pin a whole stream chunk in memory.
      pieces.push(Buffer.from(this.take(chunk, chunk.length)));
      pending += chunk.length;
      this.noteBuffered(pending);
    }
  }

  /** Exactly `length` bytes (caller bounds `length`). */
  async readExactly(length: number, what: string): Promise<Buffer> {
    this.budget.ensureRoomFor(length, what);
    const buffer = Buffer.allocUnsafe(length);
    this.noteBuffered(length);
    let filled = 0;
    while (filled < length) {
      const chunk = await this.nextChunk();
      if (!chunk) throw streamCut(`EOF when reading data (${what}: got ${filled} of ${length} bytes)`);
      const piece = this.take(chunk, Math.min(length - filled, chunk.length));
      piece.copy(buffer, filled);
      filled += piece.length;
    }
    return buffer;
  }

  /**
   * Passes exactly `length` bytes to `writeBatch` in batches of about
   * `copyBatchBytes`, with one batch being written while the next is read.
   * Awaiting each write before starting the next is the backpressure; a
   * write per stream chunk (64 KiB) would halve the throughput.
   */
  async copyTo(length: number, what: string, writeBatch: (chunks: Buffer[]) => Promise<void>): Promise<void> {
    this.budget.ensureRoomFor(length, what);
    let remaining = length;
    let batch: Buffer[] = [];
    let batchBytes = 0;
    let inFlight: Promise<void> = Promise.resolve();
    let inFlightBytes = 0;
    try {
      while (remaining > 0) {
        const chunk = await this.nextChunk();
        if (!chunk) throw streamCut(`EOF when reading data (${what}: got ${length - remaining} of ${length} bytes)`);
        const piece = this.take(chunk, Math.min(remaining, chunk.length));
        batch.push(piece);
        batchBytes += piece.length;
        remaining -= piece.length;
        this.noteBuffered(batchBytes + inFlightBytes);
        if (batchBytes >= copyBatchBytes || remaining === 0) {
          await inFlight;
          inFlight = writeBatch(batch);
          // Observed here so a failure during the next read is not an unhandled rejection; awaited below.
          inFlight.catch(() => undefined);
          inFlightBytes = batchBytes;
          batch = [];
          batchBytes = 0;
        }
      }
    } catch (error) {
      // Whatever arrived before the failure is kept on disk, as atex does.
      await inFlight.catch(() => undefined);
      if (batch.length > 0) await writeBatch(batch).catch(() => undefined);
      throw error;
    }
    await inFlight;
  }
}
