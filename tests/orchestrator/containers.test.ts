import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FmfExecutor } from '../../lib/engine/executor/fmf-executor';
import { FileRunAggregator } from '../../lib/engine/export';
import { AdHocOrchestrator } from '../../lib/engine/orchestrator';
import { ContainerProvisioner, runLabel } from '../../lib/engine/provision/container';
import { ensureTestImage, startPodmanService, type PodmanService } from '../support/podman';
import { eventsOf, loadRun, writeTree, type RecordedEvent } from './support';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

describe('ad-hoc orchestrator on real containers (Podman API)', () => {
  let podman: PodmanService;
  let image: string;

  beforeAll(async () => {
    image = await ensureTestImage();
    podman = await startPodmanService();
  });
  afterAll(async () => {
    await podman?.stop();
  });

  it('runs 30 tests on 4 containers with reruns, a destructive test and a failing setup, leaving no container behind', async () => {
    const tests = Object.fromEntries(
      Array.from({ length: 27 }, (_, index) => [`t${String(index).padStart(2, '0')}`, { test: 'sleep 0.1' }]),
    );
    const root = await writeTree({
      ...tests,
      // fails the first time on a system; its rerun (highest priority) is taken at once by the same, still healthy system
      flaky: { test: 'test -e /var/tmp/flaky-seen && exit 0; touch /var/tmp/flaky-seen; exit 1', 'extra-priority': 9 },
      broken: { test: 'exit 7' },
      wrecker: { test: 'echo broken > /etc/motd', tag: ['destructive'] },
    });
    const { suite, tests: schedulable } = await loadRun(root);
    const brokenSetup = { ...suite, plan: { ...suite.plan, prepare: [{ how: 'shell' as const, scripts: ['echo no >&2; exit 1'] }] } };
    const runId = `orchestrator-test-${process.pid}-${Date.now()}`;
    const provisioner = new ContainerProvisioner({
      image,
      dockerHost: podman.dockerHost,
      ownership: { runId, platformId: 'bookworm', owner: 'tests/orchestrator' },
      networkMode: 'host',
    });
    const output = await mkdtemp(path.join(tmpdir(), 'testyard-containers-'));
    const aggregator = new FileRunAggregator({ filesDir: path.join(output, 'files'), jsonlPath: path.join(output, 'results.jsonl') });
    const events: RecordedEvent[] = [];
    let setups = 0;
    const orchestrator = new AdHocOrchestrator({
      platform: 'bookworm',
      tests: schedulable,
      provisioners: [provisioner],
      // the second container's plan `prepare` fails for real inside it
      createExecutor: (remote) => new FmfExecutor(remote.connection, ++setups === 2 ? brokenSetup : suite),
      aggregator: aggregator.forPlatform('bookworm'),
      onEvent: (event) => events.push({ at: performance.now(), event }),
      maxRemotes: 4,
    });
    const outcome = await orchestrator.run();
    await aggregator.close();

    expect(outcome).toMatchObject({ status: 'failed', total: 30, passed: 29, failed: 1, releaseErrors: [] });
    const finals = aggregator.attempts().filter((attempt) => attempt.rerunReason === null);
    expect(finals.map((attempt) => attempt.testName).sort()).toEqual(schedulable.map((test) => test.name).sort());
    expect(
      aggregator
        .attempts()
        .filter((attempt) => attempt.testName === '/tests/broken')
        .map((attempt) => attempt.rerunReason),
    ).toEqual(['exit code 7', 'exit code 7', null]);
    expect(aggregator.attempts().filter((attempt) => attempt.testName === '/tests/flaky')).toHaveLength(2);
    expect(eventsOf(events, 'remote.setup-failed')).toHaveLength(1);
    const provisioned = eventsOf(events, 'remote.provisioned').map((event) => event.remote);
    const released = eventsOf(events, 'remote.released');
    expect(released.map((event) => event.remote).sort()).toEqual([...provisioned].sort());
    // the failed setup and wrecker destroyed their systems
    expect(released.filter((event) => event.destroyed)).toHaveLength(2);
    // never more than 4 systems running tests at once
    let running = 0;
    let most = 0;
    for (const { event } of events) {
      if (event.type === 'test.started') most = Math.max(most, ++running);
      if (event.type === 'test.finished') running--;
    }
    expect(most).toBe(4);
    const left = await podman.docker.listContainers({ all: true, filters: { label: [`${runLabel}=${runId}`] } });
    expect(left).toEqual([]);
  }, 240_000);
});
