// The run page's live state, rebuilt from a run's events in the browser or
// folded on the server from the stored timeline.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, inject, test } from 'vitest';
import { FolderArtifactStore } from '../../lib/server/artifacts/store';
import { createDb, type Db } from '../../lib/server/db/client';
import type { RunEvent, SequencedRunEvent } from '../../lib/shared/events/catalogue';
import { tailCharacters } from '../../lib/shared/events/output';
import { readRunEvents, recordRunEvents } from '../../lib/server/runs/events';
import { liveOutputPath } from '../../lib/server/runs/live-attempts';
import { applyOutputTail, applyRunEvents, type LiveRunState } from '../../lib/shared/live-state';
import { liveStateSnapshot } from '../../lib/server/runs/live-state-snapshot';

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

test('a running test’s output tail: what it already holds is not added twice; a gap is marked; ended tests take none', () => {
  let state = applied(workerBusyOnTwoPlatforms);
  const chunk = (offset: number, text: string) => ({
    runId: 'r',
    platform: 'debian',
    test: '/a',
    attempt: 1,
    offset,
    end: offset + Buffer.byteLength(text),
    line: 0,
    text,
  });
  state = applyOutputTail(state, chunk(0, 'one\ntwö\n'));
  state = applyOutputTail(state, chunk(4, 'twö\nthree\n'));
  const running = () => Object.values(state.running).find((test) => test.platform === 'debian')!.output;
  expect(running()).toEqual({ text: 'one\ntwö\nthree\n', end: 15 });
  state = applyOutputTail(state, chunk(100, 'far on\n'));
  expect(running().text).toBe('one\ntwö\nthree\n…\nfar on\n');
  const unchanged = applyOutputTail(state, { ...chunk(0, 'x\n'), test: '/not-running' });
  expect(unchanged).toBe(state);
});

let db: Db;
let artifacts: string;
beforeAll(async () => {
  db = createDb(inject('databaseUrl'));
  artifacts = await mkdtemp(path.join(tmpdir(), 'testyard-live-state-'));
});
afterAll(async () => {
  await db?.$disconnect();
  await rm(artifacts, { recursive: true, force: true });
});

test('the server-side snapshot equals applying every event, with running tests’ output tails read from their output files', async () => {
  const store = new FolderArtifactStore(artifacts);
  const team = await db.team.create({ data: { slug: `live-state-${Date.now()}`, name: 'live state' } });
  const run = await db.run.create({ data: { teamId: team.id, number: 1, plan: '/plans/x', status: 'running' } });
  const platform = await db.runPlatform.create({ data: { runId: run.id, name: 'debian', spec: {} } });
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
    { type: 'test.finished', platform: 'debian', remote: 'r1', test: '/done', attempt: 1, exitCode: 0, exception: null },
    { type: 'result.ingested', platform: 'debian', test: '/done', attempt: 1, status: 'pass', results: 1 },
    { type: 'platform.progress', platform: 'debian', total: 3, done: 1, passed: 1, failed: 0, running: 2 },
  ];
  for (let start = 0; start < timeline.length; start += 5) await recordRunEvents(db, run.id, timeline.slice(start, start + 5));
  const chatty = Array.from({ length: 3000 }, (_, index) => `line ${index} ${'x'.repeat(index % 17)}\n`).join('');
  const outputOf = async (testName: string, number: number, text: string) => {
    const file = liveOutputPath(store, { runId: run.id, runPlatformId: platform.id, testName, number })!;
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, text);
  };
  await outputOf('/chatty', 1, chatty);
  await outputOf('/quiet', 2, 'only line\n');

  const base: LiveRunState = { status: 'running', platforms: {}, provisioning: {}, pool: {}, running: {} };
  const replayed = applyRunEvents(base, await readRunEvents(db, run.id, 0, 100_000));
  const snapshot = await liveStateSnapshot(db, run.id, base, store);
  expect(snapshot.lastSeq).toBe(timeline.length);
  const withoutOutput = (state: LiveRunState) => ({
    ...state,
    running: Object.fromEntries(Object.entries(state.running).map(([key, test]) => [key, { ...test, output: null }])),
  });
  expect(withoutOutput(snapshot.state)).toEqual(withoutOutput(replayed));
  const tails = Object.fromEntries(Object.values(snapshot.state.running).map((test) => [test.test, test.output]));
  expect(Object.keys(tails).sort()).toEqual(['/chatty', '/quiet']);
  expect(tails['/chatty']!.end).toBe(Buffer.byteLength(chatty));
  expect(tails['/chatty']!.text.length).toBeLessThanOrEqual(tailCharacters);
  expect(chatty.endsWith(tails['/chatty']!.text)).toBe(true);
  expect(tails['/chatty']!.text.startsWith('line ')).toBe(true);
  expect(tails['/quiet']).toEqual({ text: 'only line\n', end: 10 });
});
