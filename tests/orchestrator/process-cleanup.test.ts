import { randomUUID } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunEvent } from '../../lib/shared/events/catalogue';
import { FmfExecutor } from '../../lib/engine/executor/fmf-executor';
import { FileRunAggregator } from '../../lib/engine/export';
import { AdHocOrchestrator } from '../../lib/engine/orchestrator';
import { ContainerProvisioner } from '../../lib/engine/provision/container';
import { LocalProvisioner } from '../../lib/engine/provision/local';
import { MemoryHostLeases, SshPoolProvisioner } from '../../lib/engine/provision/ssh-pool';
import type { Provisioner } from '../../lib/engine/provision/types';
import { ensureTestImage, startPodmanService, type PodmanService } from '../support/podman';
import { startSshdPool, type SshdPool } from '../support/sshd-pool';
import { abortingTests, loadRun, writeTree } from './support';

/**
 * Live processes on this machine (local systems, the loopback sshd's sessions
 * and podman's containers all run here) whose environment holds every one of
 * `variables` (NAME=VALUE). A process killed a moment ago may still be on its
 * way out: it gets a second to go, nothing more.
 */
async function processesWith(...variables: string[]): Promise<string[]> {
  for (let settle = 0; ; settle++) {
    const found = await scanProcesses(variables);
    if (found.length === 0 || settle === 10) return found;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function scanProcesses(variables: string[]): Promise<string[]> {
  const pids = (await readdir('/proc')).filter((entry) => /^\d+$/.test(entry));
  const found = await Promise.all(
    pids.map(async (pid) => {
      const environment = new Set((await readFile(`/proc/${pid}/environ`, 'utf8').catch(() => '')).split('\0'));
      if (!variables.every((variable) => environment.has(variable))) return null;
      const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
      // a zombie has ended; only its exit status is left for its parent to collect
      return !stat || /^\d+ \(.*\) [ZX]/.test(stat) ? null : `${pid}: ${stat.slice(0, 60)}`;
    }),
  );
  return found.filter((process): process is string => process !== null);
}

/** Every process descending from `pid` (children of children…). */
async function descendantsOf(pid: number): Promise<number[]> {
  const tasks = await readdir(`/proc/${pid}/task`).catch(() => []);
  const children = (await Promise.all(tasks.map((task) => readFile(`/proc/${pid}/task/${task}/children`, 'utf8').catch(() => ''))))
    .flatMap((text) => text.trim().split(/\s+/))
    .filter(Boolean)
    .map(Number);
  return [...children, ...(await Promise.all(children.map(descendantsOf))).flat()];
}

/** Runs every aborting test once; after each attempt counts what the test left running. */
async function runAbortingTests(provisioner: Provisioner) {
  const root = await writeTree(abortingTests);
  const { suite, tests } = await loadRun(root);
  const marker = `TESTYARD_LEAK_MARK=${randomUUID()}`;
  const [name, value] = marker.split('=') as [string, string];
  const leftAfterAttempt: Array<Promise<{ test: string; processes: string[] }>> = [];
  const exceptions = new Map<string, string | null>();
  const onEvent = (event: RunEvent) => {
    if (event.type !== 'test.finished') return;
    exceptions.set(event.test, event.exception);
    leftAfterAttempt.push(processesWith(marker, `TMT_TEST_NAME=${event.test}`).then((processes) => ({ test: event.test, processes })));
  };
  const orchestrator = new AdHocOrchestrator({
    platform: 'cleanup',
    tests,
    provisioners: [provisioner],
    createExecutor: (remote) => new FmfExecutor(remote.connection, suite, { environment: { [name]: value } }),
    aggregator: new FileRunAggregator({ filesDir: root + '-files' }).forPlatform('cleanup'),
    onEvent,
    maxRemotes: 3,
    reruns: 0,
  });
  const outcome = await orchestrator.run();
  return { outcome, exceptions, leftAfterAttempt: await Promise.all(leftAfterAttempt), leftAfterRun: await processesWith(marker) };
}

function expectEveryAttemptCleanedUp(result: Awaited<ReturnType<typeof runAbortingTests>>) {
  expect(result.outcome.failed).toBe(Object.keys(abortingTests).length);
  for (const test of Object.keys(abortingTests))
    expect(result.exceptions.get(`/tests/${test}`), test).toMatch(/^(ControlStreamError|TestAbortedError)\(/);
  expect(result.leftAfterAttempt.filter((attempt) => attempt.processes.length > 0)).toEqual([]);
  expect(result.leftAfterRun).toEqual([]);
}

describe('no process outlives an aborted attempt or a released remote', () => {
  it('local systems: nothing the tests started, and no test agent, is left once the run ends', async () => {
    const result = await runAbortingTests(new LocalProvisioner({ maxSystems: 3 }));
    expectEveryAttemptCleanedUp(result);
    expect(await descendantsOf(process.pid)).toEqual([]);
  });

  describe('over SSH', () => {
    let sshd: SshdPool;
    beforeAll(async () => {
      sshd = await startSshdPool(3);
    });
    afterAll(() => sshd?.stop());

    it('nothing is left on the hosts: no test process, no session', async () => {
      const provisioner = new SshPoolProvisioner({
        platformId: 'cleanup',
        hosts: sshd.servers.map((server) => ({ host: server.host, port: server.port, user: server.username })),
        privateKey: sshd.privateKey,
        leases: new MemoryHostLeases(),
      });
      expectEveryAttemptCleanedUp(await runAbortingTests(provisioner));
      for (const server of sshd.servers) expect(await descendantsOf(server.pid)).toEqual([]);
    });
  });

  describe('in containers', () => {
    let podman: PodmanService;
    let image: string;
    beforeAll(async () => {
      image = await ensureTestImage();
      podman = await startPodmanService();
    });
    afterAll(() => podman?.stop());

    it('nothing the tests started is left in a container after its attempt, and no container after the run', async () => {
      const runId = `cleanup-${randomUUID().slice(0, 8)}`;
      const provisioner = new ContainerProvisioner({
        image,
        dockerHost: podman.dockerHost,
        ownership: { runId, platformId: 'cleanup', owner: runId },
      });
      expectEveryAttemptCleanedUp(await runAbortingTests(provisioner));
      expect(await podman.docker.listContainers({ all: true, filters: { label: [`testyard.run=${runId}`] } })).toEqual([]);
    });
  });
});
