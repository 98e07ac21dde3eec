// Late joiners and reconnects: whatever order the timeline and live events
// arrive in, each event is applied once, in sequence order.
import fc from 'fast-check';
import { expect, test } from 'vitest';
import { EventSequencer } from '../../lib/shared/events/sequencer';
import type { SequencedRunEvent } from '../../lib/shared/events/catalogue';

const event = (seq: number): SequencedRunEvent => ({ runId: 'r', seq, at: '', event: { type: 'run.started' } });

/** A timeline of `stored` events served in pages of `pageSize`, answering after a microtask. */
function timeline(stored: SequencedRunEvent[], pageSize: number) {
  let fetches = 0;
  const fetchAfter = async (after: number) => {
    fetches++;
    await Promise.resolve();
    return stored.filter((item) => item.seq > after).slice(0, pageSize);
  };
  return { fetchAfter, fetches: () => fetches };
}

test('live events buffered while the timeline loads; duplicates dropped; a skipped number fetches the gap', async () => {
  const stored = Array.from({ length: 5 }, (_, index) => event(index + 1));
  const { fetchAfter, fetches } = timeline(stored, 2);
  const applied: number[] = [];
  const sequencer = new EventSequencer(fetchAfter, 2, (events) => applied.push(...events.map((item) => item.seq)));
  const loading = sequencer.catchUp();
  sequencer.receive([event(6)]);
  sequencer.receive([event(3)]);
  expect(applied).toEqual([]);
  await loading;
  expect(applied).toEqual([1, 2, 3, 4, 5, 6]);
  sequencer.receive([event(6)]);
  expect(applied).toEqual([1, 2, 3, 4, 5, 6]);

  // 7 and 8 were missed (say, during a reconnect); 9 arrives live: the gap comes from the timeline.
  stored.push(...[6, 7, 8, 9].map(event));
  const before = fetches();
  sequencer.receive([event(9)]);
  await new Promise((resolve) => setTimeout(resolve, 10));
  expect(applied).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
  expect(fetches()).toBeGreaterThan(before);
});

test('a message of several live events is applied at once, in order', async () => {
  const stored = Array.from({ length: 2 }, (_, index) => event(index + 1));
  const { fetchAfter, fetches } = timeline(stored, 10);
  const applications: number[][] = [];
  const sequencer = new EventSequencer(fetchAfter, 10, (events) => applications.push(events.map((item) => item.seq)));
  await sequencer.catchUp();
  sequencer.receive([event(3), event(4), event(5)]);
  expect(applications).toEqual([
    [1, 2],
    [3, 4, 5],
  ]);
  expect(fetches()).toBe(1);
});

test('any interleaving of timeline pages, live deliveries (late, repeated, out of order) and reconnects applies 1..n once, in order', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.integer({ min: 1, max: 40 }),
      fc.integer({ min: 1, max: 7 }),
      fc.array(
        fc.oneof(
          fc.record({ live: fc.integer({ min: 1, max: 40 }) }),
          fc.constant({ reconnect: true as const }),
          fc.constant({ tick: true as const }),
        ),
        { maxLength: 80 },
      ),
      async (count, pageSize, steps) => {
        const stored = Array.from({ length: count }, (_, index) => event(index + 1));
        const { fetchAfter } = timeline(stored, pageSize);
        const applied: number[] = [];
        const sequencer = new EventSequencer(fetchAfter, pageSize, (events) => applied.push(...events.map((item) => item.seq)));
        void sequencer.catchUp();
        for (const step of steps) {
          if ('live' in step && step.live <= count) sequencer.receive([event(step.live)]);
          else if ('reconnect' in step) void sequencer.catchUp();
          else await Promise.resolve();
        }
        await sequencer.catchUp();
        await new Promise((resolve) => setTimeout(resolve, 0));
        expect(applied).toEqual(stored.map((item) => item.seq));
      },
    ),
    { numRuns: 300 },
  );
});

test('started after a snapshot: only later events are fetched and applied', async () => {
  const stored = Array.from({ length: 6 }, (_, index) => event(index + 1));
  const { fetchAfter } = timeline(stored, 2);
  const applied: number[] = [];
  const sequencer = new EventSequencer(fetchAfter, 2, (events) => applied.push(...events.map((item) => item.seq)), undefined, 3);
  sequencer.receive([event(2)]);
  await sequencer.catchUp();
  expect(applied).toEqual([4, 5, 6]);
  expect(sequencer.lastApplied).toBe(6);
});
