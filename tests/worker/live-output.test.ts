import { describe, expect, it } from 'vitest';
import { outputEventNames, type TestOutputChunk } from '../../lib/shared/events/output';
import { rooms } from '../../lib/shared/rooms';
import { LiveOutputPublisher, liveOutputPolicy, type Scheduler } from '../../worker/live-output';

/** Time that moves only when told to. */
class ManualClock implements Scheduler {
  private time = 0;
  private timers: Array<{ at: number; callback: () => void } | null> = [];

  now(): number {
    return this.time;
  }

  setTimeout(callback: () => void, ms: number): unknown {
    this.timers.push({ at: this.time + ms, callback });
    return this.timers.length - 1;
  }

  clearTimeout(handle: unknown): void {
    this.timers[handle as number] = null;
  }

  advance(ms: number): void {
    const until = this.time + ms;
    for (;;) {
      const due = this.timers
        .map((timer, index) => ({ timer, index }))
        .filter((entry) => entry.timer && entry.timer.at <= until)
        .sort((a, b) => a.timer!.at - b.timer!.at)[0];
      if (!due) break;
      this.time = due.timer!.at;
      this.timers[due.index] = null;
      due.timer!.callback();
    }
    this.time = until;
  }
}

function setUp() {
  const sent: Array<{ room: string; name: string; chunk: TestOutputChunk }> = [];
  const live = {
    to: (room: string) => ({ emit: (name: string, chunk: unknown) => sent.push({ room, name, chunk: chunk as TestOutputChunk }) }),
  };
  const clock = new ManualClock();
  const publisher = new LiveOutputPublisher('run-1', live, clock);
  const attempt = { platform: 'fedora', test: '/tests/a', attempt: 1, remote: 'local:1' };
  const chunkRoom = rooms.attemptOutput('run-1', attempt);
  const chunks = () =>
    sent.filter((message) => message.room === chunkRoom && message.name === outputEventNames.chunk).map((message) => message.chunk);
  const tails = () =>
    sent.filter((message) => message.room === rooms.run('run-1') && message.name === outputEventNames.tail).map((message) => message.chunk);
  return { publisher, clock, attempt, chunks, tails, sent };
}

describe('live output publisher', () => {
  it('sends a line printed after a quiet spell at once, to the attempt and to the run', () => {
    const { publisher, attempt, chunks, tails } = setUp();
    publisher.write(attempt, Buffer.from('step 1\n'));
    expect(chunks()).toEqual([
      { runId: 'run-1', platform: 'fedora', test: '/tests/a', attempt: 1, offset: 0, end: 7, line: 0, text: 'step 1\n' },
    ]);
    expect(tails()).toHaveLength(1);
  });

  it('joins what is printed within an interval into one message, sent when the interval is over', () => {
    const { publisher, clock, attempt, chunks } = setUp();
    publisher.write(attempt, Buffer.from('a\n'));
    clock.advance(10);
    publisher.write(attempt, Buffer.from('b\n'));
    publisher.write(attempt, Buffer.from('c\n'));
    expect(chunks()).toHaveLength(1);
    clock.advance(liveOutputPolicy.chunkIntervalMs);
    expect(chunks()[1]).toMatchObject({ offset: 2, end: 6, line: 1, text: 'b\nc\n' });
  });

  it('pushes only the newest output of a flood, from a line start, with its true line number and byte offsets', () => {
    const { publisher, clock, attempt, chunks, tails } = setUp();
    const lines = Array.from({ length: 100_000 }, (_, index) => `line ${index}\n`);
    const all = Buffer.from(lines.join(''));
    for (let at = 0; at < all.length; at += 65536) publisher.write(attempt, all.subarray(at, at + 65536));
    clock.advance(liveOutputPolicy.chunkIntervalMs);
    const last = chunks().at(-1)!;
    expect(last.end).toBe(all.length);
    expect(Buffer.byteLength(last.text)).toBeLessThanOrEqual(liveOutputPolicy.chunkBytes);
    expect(last.text).toBe(all.toString('utf8', last.offset));
    expect(last.text.startsWith(lines[last.line]!)).toBe(true);
    const tail = tails().at(-1)!;
    expect(Buffer.byteLength(tail.text)).toBeLessThanOrEqual(liveOutputPolicy.tailBytes);
    expect(tail.text.startsWith(lines[tail.line]!)).toBe(true);
  });

  it('never splits a character: its first bytes wait for the rest', () => {
    const { publisher, clock, attempt, chunks } = setUp();
    const text = Buffer.from('größer ✓\n');
    publisher.write(attempt, text.subarray(0, 3));
    expect(chunks()[0]).toMatchObject({ offset: 0, end: 2, text: 'gr' });
    clock.advance(200);
    publisher.write(attempt, text.subarray(3));
    expect(chunks()[1]).toMatchObject({ offset: 2, end: text.length, text: 'ößer ✓\n' });
  });

  it('sends what is left as soon as the attempt finishes', () => {
    const { publisher, clock, attempt, chunks } = setUp();
    publisher.write(attempt, Buffer.from('first\n'));
    clock.advance(1);
    publisher.write(attempt, Buffer.from('last words\n'));
    publisher.finish(attempt);
    expect(chunks().map((chunk) => chunk.text)).toEqual(['first\n', 'last words\n']);
  });

  it('keeps every message small enough for a bare NOTIFY, even when escapes make the JSON long', () => {
    const { publisher, clock, attempt, sent } = setUp();
    publisher.write(attempt, Buffer.alloc(20_000, 1));
    clock.advance(1000);
    for (const message of sent) expect(Buffer.byteLength(JSON.stringify(message.chunk))).toBeLessThan(liveOutputPolicy.maxMessageBytes);
  });

  it('sends a bounded number of messages per second, however much a test prints', () => {
    const { publisher, clock, attempt, chunks, tails } = setUp();
    const megabyte = Buffer.alloc(1024 * 1024, 'x\n');
    // 50 MB/s for 2 s, in writes of 1 MiB every 20 ms
    for (let write = 0; write < 100; write++) {
      publisher.write(attempt, megabyte);
      clock.advance(20);
    }
    expect(chunks().length).toBeLessThanOrEqual(2000 / liveOutputPolicy.chunkIntervalMs + 1);
    expect(tails().length).toBeLessThanOrEqual(2000 / liveOutputPolicy.tailIntervalMs + 1);
  });
});
