import { outputEventNames, type TestOutputChunk } from '../lib/shared/events/output';
import { rooms } from '../lib/shared/rooms';
import type { RunningAttempt } from '../lib/engine/orchestrator';
import type { LiveBroadcaster } from '../lib/server/runs/events';
import { maxBareMessageBytes } from '../lib/server/live/emitter';

/**
 * How running tests' output reaches viewers (docs/ORCHESTRATION.md, "Live
 * output and collaboration", which also gives the numbers below):
 *
 * - Each attempt's room gets at most one chunk per `chunkIntervalMs`, the
 *   first at once: a test printing a line a second is seen as it prints.
 *   A chunk holds at most `chunkBytes` of the newest output; whatever a
 *   busier test printed before that is left out of the push (the viewer
 *   reads it from the output file).
 * - The run's room gets the newest `tailBytes` of each running attempt at
 *   most once per `tailIntervalMs`, for the run page's "Running tests".
 * - Every message stays below the size Socket.IO's Postgres adapter sends
 *   as a bare NOTIFY, so output costs no table write in the database, and
 *   at most (1000 / chunkIntervalMs + 1000 / tailIntervalMs) notifications
 *   a second per running test, however much it prints.
 */
export const liveOutputPolicy = {
  chunkIntervalMs: 100,
  chunkBytes: 4096,
  tailIntervalMs: 250,
  tailBytes: 1024,
  maxMessageBytes: maxBareMessageBytes,
};

export interface Scheduler {
  now(): number;
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

const realTime: Scheduler = {
  now: () => performance.now(),
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

const newline = 10;

/** The newest bytes written to an attempt's output since they were last taken, at most `capacity` of them. */
class RecentBytes {
  private pieces: Buffer[] = [];
  private size = 0;
  /** Byte offset (in the whole output) of the first byte held. */
  private from = 0;
  /** Where the bytes taken last ended. */
  private takenEnd = 0;

  constructor(private readonly capacity: number) {}

  get empty(): boolean {
    return this.size === 0;
  }

  push(bytes: Buffer, end: number): void {
    this.pieces.push(bytes);
    this.size += bytes.length;
    while (this.size - this.pieces[0]!.length >= this.capacity) this.size -= this.pieces.shift()!.length;
    if (this.size > this.capacity) {
      this.pieces[0] = this.pieces[0]!.subarray(this.size - this.capacity);
      this.size = this.capacity;
    }
    this.from = end - this.size;
  }

  /** Everything held, then nothing; `cut` when older bytes were dropped since the last take. */
  take(): { from: number; bytes: Buffer; cut: boolean } {
    const taken = { from: this.from, bytes: Buffer.concat(this.pieces, this.size), cut: this.from > this.takenEnd };
    this.from += this.size;
    this.takenEnd = this.from;
    this.pieces = [];
    this.size = 0;
    return taken;
  }
}

/** One message stream (chunks or tails) of one attempt: rate-limited, the first message at once. */
class Throttled {
  private lastSentAt = -Infinity;
  private timer: unknown;

  constructor(
    private readonly intervalMs: number,
    private readonly clock: Scheduler,
    private readonly send: () => void,
  ) {}

  /** Something new to send: now, or once the interval since the last message has passed. */
  poke(): void {
    if (this.timer !== undefined) return;
    const wait = this.lastSentAt + this.intervalMs - this.clock.now();
    if (wait <= 0) this.fire();
    else this.timer = this.clock.setTimeout(() => this.fire(), wait);
  }

  /** Sends what is pending now (the attempt ended). */
  flush(): void {
    if (this.timer === undefined) return;
    this.clock.clearTimeout(this.timer);
    this.fire();
  }

  cancel(): void {
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
  }

  private fire(): void {
    this.timer = undefined;
    this.lastSentAt = this.clock.now();
    this.send();
  }
}

class AttemptOutput {
  private written = 0;
  private lines = 0;
  /** Bytes of an unfinished UTF-8 character at the end: sent with the bytes that finish it. */
  private unfinished: Buffer = Buffer.alloc(0);
  private readonly forChunks = new RecentBytes(liveOutputPolicy.chunkBytes);
  private readonly forTail = new RecentBytes(liveOutputPolicy.tailBytes);
  private readonly chunks: Throttled;
  private readonly tails: Throttled;

  constructor(
    private readonly attempt: RunningAttempt,
    private readonly runId: string,
    private readonly live: LiveBroadcaster,
    clock: Scheduler,
  ) {
    this.chunks = new Throttled(liveOutputPolicy.chunkIntervalMs, clock, () =>
      this.sendFrom(this.forChunks, rooms.attemptOutput(runId, attempt), outputEventNames.chunk),
    );
    this.tails = new Throttled(liveOutputPolicy.tailIntervalMs, clock, () =>
      this.sendFrom(this.forTail, rooms.run(runId), outputEventNames.tail),
    );
  }

  write(bytes: Buffer): void {
    this.lines += countNewlines(bytes, 0);
    const joined = this.unfinished.length ? Buffer.concat([this.unfinished, bytes]) : bytes;
    const complete = characterBoundaryBefore(joined, joined.length);
    this.unfinished = joined.subarray(complete);
    this.written += bytes.length;
    if (complete === 0) return;
    const ready = joined.subarray(0, complete);
    const readyEnd = this.written - this.unfinished.length;
    this.forChunks.push(ready, readyEnd);
    this.forTail.push(ready, readyEnd);
    this.chunks.poke();
    this.tails.poke();
  }

  finish(): void {
    if (this.unfinished.length) {
      // the test ended inside a character: send its bytes as they are
      const rest = this.unfinished;
      this.unfinished = Buffer.alloc(0);
      this.forChunks.push(rest, this.written);
      this.forTail.push(rest, this.written);
      this.chunks.poke();
      this.tails.poke();
    }
    this.chunks.flush();
    this.tails.flush();
  }

  cancel(): void {
    this.chunks.cancel();
    this.tails.cancel();
  }

  private sendFrom(recent: RecentBytes, room: string, eventName: string): void {
    if (recent.empty) return;
    const { from, bytes, cut } = recent.take();
    const end = from + bytes.length;
    let start = startOfText(bytes, cut);
    let text = bytes.toString('utf8', start);
    while (Buffer.byteLength(JSON.stringify(text)) > liveOutputPolicy.maxMessageBytes - 500) {
      // escapes (control characters, quotes) made it too long: keep the newer half
      start = characterBoundaryAfter(bytes, start + Math.ceil((bytes.length - start) / 2));
      text = bytes.toString('utf8', start);
    }
    const linesInText = countNewlines(bytes, start);
    const chunk: TestOutputChunk = {
      runId: this.runId,
      platform: this.attempt.platform,
      test: this.attempt.test,
      attempt: this.attempt.attempt,
      offset: from + start,
      end,
      // held back bytes are the start of a character, never a newline: every newline so far is before `end`
      line: this.lines - linesInText,
      text,
    };
    this.live.to(room).emit(eventName, chunk);
  }
}

/**
 * Forwards running tests' output of one run platform to viewers, following
 * `liveOutputPolicy`. `write` gets each piece as the executor stored it,
 * `finish` is called when the attempt has ended.
 */
export class LiveOutputPublisher {
  private readonly attempts = new Map<string, AttemptOutput>();

  constructor(
    private readonly runId: string,
    private readonly live: LiveBroadcaster,
    private readonly clock: Scheduler = realTime,
  ) {}

  write(attempt: RunningAttempt, bytes: Buffer): void {
    const key = attemptKey(attempt);
    let output = this.attempts.get(key);
    if (!output) {
      output = new AttemptOutput(attempt, this.runId, this.live, this.clock);
      this.attempts.set(key, output);
    }
    output.write(bytes);
  }

  finish(attempt: Omit<RunningAttempt, 'remote'>): void {
    const key = attemptKey(attempt);
    this.attempts.get(key)?.finish();
    this.attempts.delete(key);
  }

  close(): void {
    for (const output of this.attempts.values()) output.cancel();
    this.attempts.clear();
  }
}

function attemptKey(attempt: Omit<RunningAttempt, 'remote'>): string {
  return `${attempt.platform}\0${attempt.test}\0${attempt.attempt}`;
}

/**
 * Where the pushed text of a window of output starts. When older output
 * was left out (`cut`), at the first line start in the window, so the text
 * begins with a whole line; else (or with no line start) at a character start.
 */
function startOfText(bytes: Buffer, cut: boolean): number {
  if (!cut) return 0;
  const lineStart = bytes.indexOf(newline) + 1;
  if (lineStart > 0 && lineStart < bytes.length) return lineStart;
  return characterBoundaryAfter(bytes, 0);
}

/** The first index at or after `index` that does not fall inside a UTF-8 character. */
function characterBoundaryAfter(bytes: Buffer, index: number): number {
  let at = index;
  while (at < bytes.length && (bytes[at]! & 0xc0) === 0x80) at++;
  return at;
}

/** The end of the last whole UTF-8 character at or before `end` (bytes that cannot be UTF-8 count as whole). */
function characterBoundaryBefore(bytes: Buffer, end: number): number {
  for (let back = 1; back <= 3 && end - back >= 0; back++) {
    const byte = bytes[end - back]!;
    if ((byte & 0xc0) === 0x80) continue;
    const length = byte >= 0xf0 ? 4 : byte >= 0xe0 ? 3 : byte >= 0xc0 ? 2 : 1;
    return length > back ? end - back : end;
  }
  return end;
}

/** Newlines in `bytes` from index `from`: a search per line while lines are long, a plain scan once they are short. */
function countNewlines(bytes: Buffer, from: number): number {
  let count = 0;
  for (let at = bytes.indexOf(newline, from); at !== -1; at = bytes.indexOf(newline, at + 1)) {
    count++;
    if (count % 1024 === 0 && at - from < count * 32) {
      for (let index = at + 1; index < bytes.length; index++) if (bytes[index] === newline) count++;
      break;
    }
  }
  return count;
}
