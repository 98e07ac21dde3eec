import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { inQueueOrder } from '../../lib/engine/orchestrator';
import { shareRequests } from '../../lib/engine/orchestrator/adhoc';
import { LocalRemotes, eventsOf, runPlatform, writeTree } from './support';

describe('ad-hoc orchestrator on real local systems', () => {
  it('runs every test once on min(maxRemotes, #tests) + spares remotes and releases them all', async () => {
    const root = await writeTree(Object.fromEntries(['a', 'b', 'c', 'd', 'e', 'f'].map((name) => [name, { test: 'true' }])));
    const { run, events, remotes, output } = await runPlatform(root, { maxRemotes: 2 });
    const outcome = await run();
    expect(outcome).toMatchObject({ status: 'passed', passed: 6, failed: 0, total: 6 });
    expect(eventsOf(events, 'remote.requested')).toEqual([{ type: 'remote.requested', platform: 'local', count: 2 }]);
    expect(
      eventsOf(events, 'test.started')
        .map((event) => event.test)
        .sort(),
    ).toEqual(['/tests/a', '/tests/b', '/tests/c', '/tests/d', '/tests/e', '/tests/f']);
    expect(eventsOf(events, 'remote.setup-started')).toHaveLength(2);
    expect(remotes.held).toEqual([]);
    expect(eventsOf(events, 'remote.released').every((event) => !event.destroyed)).toBe(true);
    const jsonl = (await readFile(path.join(output, 'results.jsonl'), 'utf8')).trim().split('\n');
    expect(jsonl).toHaveLength(6);
    expect(JSON.parse(jsonl[0]!)).toEqual(['local', 'pass', expect.stringMatching(/^\/tests\//), null, ['output.txt'], null]);
    expect(eventsOf(events, 'platform.finished')).toEqual([
      { type: 'platform.finished', platform: 'local', status: 'passed', error: null },
    ]);
  });

  it('asks a provisioner for no more remotes than it can hold at once, and none again as the run releases them', async () => {
    const root = await writeTree(Object.fromEntries(['a', 'b', 'c', 'd', 'e', 'f'].map((name) => [name, { test: 'true' }])));
    const remotes = new LocalRemotes({ capacity: 2 });
    const { run, events } = await runPlatform(root, { remotes });
    expect(await run()).toMatchObject({ status: 'passed', passed: 6 });
    expect(eventsOf(events, 'remote.requested')).toEqual([{ type: 'remote.requested', platform: 'local', count: 2 }]);
    expect(remotes.handedOut).toHaveLength(2);
    expect(remotes.held).toEqual([]);
  });

  it('spreads requests over provisioners in turn, each up to its capacity', () => {
    expect(shareRequests(5, [Infinity, Infinity])).toEqual([3, 2]);
    expect(shareRequests(10, [1, Infinity, 2])).toEqual([1, 7, 2]);
    expect(shareRequests(10, [1, 2])).toEqual([1, 2]);
    expect(shareRequests(0, [3])).toEqual([0]);
  });

  it('reruns an unsuccessful test up to `reruns` times and keeps every attempt, earlier ones superseded', async () => {
    const state = await mkdtemp(path.join(tmpdir(), 'testyard-flaky-'));
    const root = await writeTree({
      // fails twice, then passes
      flaky: { test: `n=$(cat ${state}/n 2>/dev/null || echo 0); echo $((n+1)) > ${state}/n; [ "$n" -ge 2 ]` },
      broken: { test: 'echo broken; exit 3' },
      fine: { test: 'true' },
    });
    const { run, events, aggregator, remotes } = await runPlatform(root, { maxRemotes: 1 });
    const outcome = await run();
    expect(outcome).toMatchObject({ status: 'failed', passed: 2, failed: 1 });
    const attempts = aggregator.attempts();
    const of = (name: string) => attempts.filter((attempt) => attempt.testName === name).sort((a, b) => a.attempt - b.attempt);
    expect(of('/tests/flaky').map((attempt) => [attempt.attempt, attempt.rerunReason])).toEqual([
      [1, 'exit code 1'],
      [2, 'exit code 1'],
      [3, null],
    ]);
    expect(of('/tests/broken').map((attempt) => [attempt.attempt, attempt.exitCode, attempt.rerunReason])).toEqual([
      [1, 3, 'exit code 3'],
      [2, 3, 'exit code 3'],
      [3, 3, null],
    ]);
    expect(of('/tests/fine')).toHaveLength(1);
    expect(
      eventsOf(events, 'test.rerun-scheduled')
        .filter((event) => event.test === '/tests/broken')
        .map((event) => event.attempt),
    ).toEqual([2, 3]);
    // a failing exit code does not destroy the remote: one system ran all seven attempts
    expect(remotes.handedOut).toHaveLength(1);
  });

  it('destroys the remote after a destructive test or an executor exception and provisions a replacement', async () => {
    const root = await writeTree({
      a: { test: 'true', 'extra-priority': 3 },
      wrecker: { test: 'true', tag: ['destructive'], 'extra-priority': 2 },
      hangs: { test: 'sleep 30', duration: '1s', 'extra-priority': 1 },
      z: { test: 'true' },
    });
    const { run, events, remotes } = await runPlatform(root, { maxRemotes: 1, reruns: 0 });
    const outcome = await run();
    expect(outcome).toMatchObject({ status: 'failed', passed: 3, failed: 1 });
    const released = eventsOf(events, 'remote.released');
    expect(released.filter((event) => event.destroyed).map((event) => event.remote)).toEqual(['local:1', 'local:2']);
    expect(eventsOf(events, 'remote.requested').map((event) => event.count)).toEqual([1, 1, 1]);
    const finished = eventsOf(events, 'test.finished');
    // the test's own timeout, not its system's failure: infrastructure health does not count it
    expect(finished.find((event) => event.test === '/tests/hangs')).toMatchObject({
      exception: 'TestAbortedError(test duration timeout reached)',
      systemFailed: false,
    });
    expect(finished.map((event) => [event.test, event.remote])).toEqual([
      ['/tests/a', 'local:1'],
      ['/tests/wrecker', 'local:1'],
      ['/tests/hangs', 'local:2'],
      ['/tests/z', 'local:3'],
    ]);
    expect(remotes.held).toEqual([]);
  });

  it('replaces remotes whose setup failed, then gives up with "setup retries exceeded"', async () => {
    const state = await mkdtemp(path.join(tmpdir(), 'testyard-setup-'));
    // the first two setups fail (mkdir is atomic, so concurrent setups count correctly)
    const flakySetup = `mkdir ${state}/1 2>/dev/null && exit 1; mkdir ${state}/2 2>/dev/null && exit 1; true`;
    const root = await writeTree({ a: { test: 'true' }, b: { test: 'true' } }, [flakySetup]);
    const recovered = await runPlatform(root, { maxRemotes: 2, maxFailedSetups: 2 });
    expect(await recovered.run()).toMatchObject({ status: 'passed', passed: 2 });
    expect(eventsOf(recovered.events, 'remote.setup-failed')).toHaveLength(2);
    expect(recovered.remotes.handedOut).toHaveLength(4);
    expect(recovered.remotes.held).toEqual([]);

    const broken = await writeTree({ a: { test: 'true' }, b: { test: 'true' } }, ['exit 1']);
    const failing = await runPlatform(broken, { maxRemotes: 2, maxFailedSetups: 3 });
    const outcome = await failing.run();
    expect(outcome.status).toBe('error');
    expect(outcome.error).toMatch(/^setup retries exceeded \(4 failed, limit 3\)/);
    expect(eventsOf(failing.events, 'test.started')).toHaveLength(0);
    expect(failing.remotes.held).toEqual([]);
  });

  it('counts failed provisioning requests like failed setups and requests replacements', async () => {
    const root = await writeTree({ a: { test: 'true' }, b: { test: 'true' } });
    const remotes = new LocalRemotes({ failProvisioning: 2 });
    const { run, events } = await runPlatform(root, { remotes, maxRemotes: 2 });
    expect(await run()).toMatchObject({ status: 'passed' });
    expect(eventsOf(events, 'remote.provision-failed')).toHaveLength(2);
    expect(remotes.held).toEqual([]);
  });

  it('releases set-up remotes beyond maxSpares as soon as nothing is left to run', async () => {
    const root = await writeTree({ slow: { test: 'sleep 1.5', 'extra-priority': 1 }, quick1: { test: 'true' }, quick2: { test: 'true' } });
    for (const maxSpares of [0, 1]) {
      const { run, events, remotes } = await runPlatform(root, { maxRemotes: 3, maxSpares });
      await run();
      const slowFinished = events.findIndex(({ event }) => event.type === 'test.finished' && event.test === '/tests/slow');
      const releasedEarly = events.slice(0, slowFinished).filter(({ event }) => event.type === 'remote.released');
      // 3 + maxSpares remotes; two free up early; spares are kept until the end
      expect(remotes.handedOut).toHaveLength(3 + maxSpares);
      expect(releasedEarly).toHaveLength(3 + maxSpares - 1 - maxSpares);
      expect(remotes.held).toEqual([]);
    }
  });

  it('picks higher extra-priority first, then the longest duration; FIFO when asked', async () => {
    const root = await writeTree({
      a: { test: 'true', duration: '1m' },
      b: { test: 'true', duration: '10m' },
      c: { test: 'true', duration: '1m', 'extra-priority': 5 },
      d: { test: 'true', duration: '20m', 'extra-priority': -1 },
      e: { test: 'true', duration: '10m' },
    });
    const defaults = await runPlatform(root, { maxRemotes: 1 });
    await defaults.run();
    expect(eventsOf(defaults.events, 'test.started').map((event) => event.test)).toEqual([
      '/tests/c',
      '/tests/b',
      '/tests/e',
      '/tests/a',
      '/tests/d',
    ]);
    const fifo = await runPlatform(root, { maxRemotes: 1, policies: { nextTest: inQueueOrder } });
    await fifo.run();
    expect(eventsOf(fifo.events, 'test.started').map((event) => event.test)).toEqual([
      '/tests/a',
      '/tests/b',
      '/tests/c',
      '/tests/d',
      '/tests/e',
    ]);
  });

  it('stop() cancels running tests, stores nothing of them and releases every remote', async () => {
    const root = await writeTree(Object.fromEntries(['a', 'b', 'c', 'd'].map((name) => [name, { test: 'sleep 30' }])));
    const controller = new AbortController();
    const { run, events, remotes, aggregator } = await runPlatform(root, { maxRemotes: 2, maxSpares: 1, signal: controller.signal });
    const started = Date.now();
    const running = run();
    await vitestWaitFor(() => eventsOf(events, 'test.started').length === 3);
    controller.abort(new Error('cancelled by a test'));
    const outcome = await running;
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(outcome).toMatchObject({ status: 'cancelled', error: 'cancelled by a test', passed: 0, failed: 0 });
    expect(eventsOf(events, 'test.finished').map((event) => event.exception)).toEqual(Array(3).fill('TestAbortedError(cancel requested)'));
    expect(aggregator.attempts()).toHaveLength(0);
    expect(remotes.held).toEqual([]);
    expect(eventsOf(events, 'platform.finished')[0]?.status).toBe('cancelled');
  });

  it('resumes: finished tests are skipped and attempt numbers continue', async () => {
    const root = await writeTree({ a: { test: 'true' }, b: { test: 'exit 1' }, c: { test: 'true' } });
    const { run, events, aggregator } = await runPlatform(root, {
      reruns: 2,
      resume: {
        finished: new Map([['/tests/a', false]]),
        lastAttempts: new Map([
          ['/tests/a', 3],
          ['/tests/b', 2],
        ]),
      },
    });
    const outcome = await run();
    expect(outcome).toMatchObject({ status: 'failed', total: 3, passed: 1, failed: 2 });
    expect(
      eventsOf(events, 'test.started')
        .map((event) => [event.test, event.attempt])
        .sort(),
    ).toEqual([
      ['/tests/b', 3],
      ['/tests/c', 1],
    ]);
    // b had used its two reruns before the restart: attempt 3 is final
    expect(
      aggregator
        .attempts()
        .map((attempt) => [attempt.testName, attempt.attempt, attempt.rerunReason])
        .sort(),
    ).toEqual([
      ['/tests/b', 3, null],
      ['/tests/c', 1, null],
    ]);
    expect(eventsOf(events, 'platform.progress')[0]).toMatchObject({ total: 3, done: 1, failed: 1 });
  });
});

/** Resolves once `condition` holds, checking after every macrotask (events arrive from child processes). */
async function vitestWaitFor(condition: () => boolean): Promise<void> {
  await vi.waitFor(
    () => {
      if (!condition()) throw new Error('not yet');
    },
    { timeout: 20_000, interval: 20 },
  );
}
