// The run page's live state, rebuilt from a run's events in the browser or
// folded on the server from the stored timeline.
import { afterAll, beforeAll, expect, inject, test } from 'vitest';
import { createDb, type Db } from '../../lib/db/client';
import type { RunEvent, SequencedRunEvent } from '../../lib/events/catalogue';
import { readRunEvents, recordRunEvents } from '../../lib/runs/events';
import { applyRunEvents, tailCharacters, type LiveRunState } from '../../lib/runs/live-state';
import { liveStateSnapshot } from '../../lib/runs/live-state-snapshot';

const empty: LiveRunState = { status: 'queued', platforms: {}, provisioning: {}, pool: {}, running: {} };

function applied(events: RunEvent[]): LiveRunState {
  const sequenced = events.map((event, index): SequencedRunEvent => ({ runId: 'r', seq: index + 1, at: '', event }));
  return applyRunEvents(empty, sequenced);
}

const workerBusyOnTwoPlatforms: RunEvent[] = [
  { type: 'run.started' },
  { type: 'platform.started', platform: 'debian', tests: 3 },
  { type: 'platform.started', platform: 'fedora', tests: 3 },
  { type: 'remote.requested', platform: 'debian', count: 2 },
  { type: 'remote.provisioned', platform: 'debian', remote: 'debian-1' },
  { type: 'test.started', platform: 'debian', remote: 'debian-1', test: '/a', attempt: 1 },
  { type: 'remote.provisioned', platform: 'fedora', remote: 'fedora-1' },
  { type: 'test.started', platform: 'fedora', remote: 'fedora-1', test: '/a', attempt: 1 },
];

test('a platform started again (its worker was lost) forgets that worker’s systems and running tests, not other platforms’', () => {
  const state = applied([...workerBusyOnTwoPlatforms, { type: 'platform.started', platform: 'debian', tests: 3 }]);
  expect(Object.keys(state.pool)).toEqual(['fedora-1']);
  expect(Object.values(state.running).map((running) => running.platform)).toEqual(['fedora']);
  expect(state.provisioning.debian).toBeUndefined();
  expect(state.platforms.debian).toMatchObject({ status: 'running', total: 3 });
});

test('a cancelled run shows its unfinished platforms cancelled and its finished ones as they ended', () => {
  const state = applied([
    ...workerBusyOnTwoPlatforms,
    { type: 'platform.finished', platform: 'fedora', status: 'passed', error: null },
    { type: 'run.cancelled', by: 'someone' },
  ]);
  expect(state.status).toBe('cancelled');
  expect(state.platforms.debian).toMatchObject({ status: 'cancelled', running: 0 });
  expect(state.platforms.fedora).toMatchObject({ status: 'passed' });
});

let db: Db;
beforeAll(() => {
  db = createDb(inject('databaseUrl'));
});
afterAll(async () => {
  await db?.$disconnect();
});

test('the server-side snapshot equals applying every event, with running tests\' output tails in full', async () => {
  const team = await db.team.create({ data: { slug: `live-state-${Date.now()}`, name: 'live state' } });
  const run = await db.run.create({ data: { teamId: team.id, number: 1, plan: '/plans/x', status: 'running' } });
  const output = (test: string, attempt: number, text: string): RunEvent => ({ type: 'test.output', platform: 'debian', test, attempt, text });
  const timeline: RunEvent[] = [
    { type: 'run.started' },
    { type: 'platform.started', platform: 'debian', tests: 3 },
    { type: 'remote.requested', platform: 'debian', count: 3 },
    ...(['r1', 'r2', 'r3'] as const).flatMap((remote): RunEvent[] => [
      { type: 'remote.provisioned', platform: 'debian', remote },
      { type: 'remote.ready', platform: 'debian', remote },
    ]),
    { type: 'test.started', platform: 'debian', remote: 'r1', test: '/done', attempt: 1 },
    { type: 'test.started', platform: 'debian', remote: 'r2', test: '/chatty', attempt: 1 },
    { type: 'test.started', platform: 'debian', remote: 'r3', test: '/quiet', attempt: 2 },
  ];
  // Output interleaved across attempts, far more of it than a tail keeps, in pieces of varying size.
  for (let index = 0; index < 3000; index++) {
    timeline.push(output('/chatty', 1, `line ${index} ${'x'.repeat(index % 17)}\n`));
    if (index % 10 === 0) timeline.push(output('/done', 1, `done ${index}\n`));
  }
  timeline.push(output('/quiet', 2, 'only line\n'));
  timeline.push({ type: 'test.finished', platform: 'debian', remote: 'r1', test: '/done', attempt: 1, exitCode: 0, exception: null });
  timeline.push({ type: 'result.ingested', platform: 'debian', test: '/done', attempt: 1, status: 'pass', results: 1 });
  timeline.push({ type: 'platform.progress', platform: 'debian', total: 3, done: 1, passed: 1, failed: 0, running: 2 });
  for (let start = 0; start < timeline.length; start += 500) await recordRunEvents(db, run.id, timeline.slice(start, start + 500));

  const base: LiveRunState = { status: 'running', platforms: {}, provisioning: {}, pool: {}, running: {} };
  const replayed = applyRunEvents(base, await readRunEvents(db, run.id, 0, 100_000));
  const snapshot = await liveStateSnapshot(db, run.id, base);
  expect(snapshot.lastSeq).toBe(timeline.length);
  expect(snapshot.state).toEqual(replayed);
  expect(Object.keys(snapshot.state.running)).toHaveLength(2);
  expect(Object.values(snapshot.state.running).find((running) => running.test === '/chatty')!.tail).toHaveLength(tailCharacters);
  expect(Object.values(snapshot.state.running).find((running) => running.test === '/quiet')!.tail).toBe('only line\n');
});
