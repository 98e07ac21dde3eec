// libvirt platforms end to end, on real VMs of the test VM host (KVM when it
// works here, emulation otherwise): a run on two VMs with a destructive test,
// a rerun on a fresh system and a real reboot; two workers competing for two
// domains, one SIGKILLed while it holds a VM, which is reclaimed; and the
// sweep at worker start giving back what a killed worker left.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, expect, inject, test } from 'vitest';
import { createDb, type Db } from '../../lib/server/db/client';
import type { RunEvent } from '../../lib/shared/events/catalogue';
import { api, teamWithAllRoles } from '../support/api';
import { sharedAppWorkerEnv } from '../support/app-server';
import { cancelLeftoverRuns } from '../support/leftover-runs';
import { DomainReservations } from '../../lib/engine/provision/libvirt/reservations';
import { Virsh } from '../../lib/engine/provision/libvirt/virsh';
import {
  defineTestDomains,
  runningDomains,
  startLibvirtTestBed,
  templateVolume,
  testPool,
  virsh,
  type LibvirtTestBed,
} from '../support/libvirt';

const repoRoot = path.resolve(import.meta.dirname, '../..');
let bed: LibvirtTestBed;
let db: Db;
const workers: ChildProcess[] = [];
/** Domains the running test defined. */
const definedDomains: string[] = [];

function startWorker(concurrency = 1): ChildProcess {
  const logs = process.env.TESTYARD_TEST_LOGS ? 'inherit' : 'ignore';
  const worker = spawn(process.execPath, ['--import', 'tsx', 'worker/index.ts'], {
    cwd: repoRoot,
    env: sharedAppWorkerEnv(inject('databaseUrl'), inject('appDataDir'), {
      TESTYARD_WORKER_KINDS: 'libvirt',
      TESTYARD_WORKER_CONCURRENCY: String(concurrency),
    }),
    stdio: ['ignore', logs, logs],
  });
  workers.push(worker);
  return worker;
}

async function defineDomains(prefix: string, count: number): Promise<string[]> {
  const domains = await defineTestDomains(prefix, count, bed.accelerator);
  definedDomains.push(...domains);
  return domains;
}

async function stopWorkers(): Promise<void> {
  await Promise.all(
    workers.splice(0).map(async (worker) => {
      if (worker.exitCode !== null || worker.signalCode !== null) return;
      worker.kill('SIGTERM');
      await once(worker, 'exit');
    }),
  );
}

async function until<T>(what: string, probe: () => Promise<T | undefined | null | false>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

beforeAll(async () => {
  [bed] = await Promise.all([startLibvirtTestBed(), cancelLeftoverRuns(inject('databaseUrl'))]);
  db = createDb(inject('databaseUrl'));
}, 900_000);

// a failed test must leave nothing to the next: no worker to take its jobs, no run to resume, no VM eating a core
afterEach(async () => {
  await stopWorkers();
  await cancelLeftoverRuns(inject('databaseUrl'));
  for (const domain of await runningDomains(definedDomains.splice(0))) await virsh('destroy', domain);
});

afterAll(async () => {
  await db?.$disconnect();
  await bed?.stop();
});

/** A result with a note, through the test-control protocol: how the guests tell what they saw. */
const reportHelper = `report() {
  local json="{\\"status\\": \\"$2\\", \\"name\\": \\"$1\\", \\"note\\": \\"$3\\"}"
  printf 'result %d\\n%s' "\${#json}" "$json" >&"$ATEX_TEST_CONTROL"
}
`;

async function suiteTree(tests: string): Promise<string> {
  const root = await mkdtemp(path.join(tmpdir(), 'testyard-libvirt-tree-'));
  await mkdir(path.join(root, '.fmf'));
  await writeFile(path.join(root, '.fmf', 'version'), '1\n');
  await writeFile(path.join(root, 'report.sh'), reportHelper);
  await writeFile(path.join(root, 'main.fmf'), `/plans/all:\n  discover:\n    how: fmf\n  execute:\n    how: tmt\n${tests}`);
  return root;
}

async function libvirtPlatform(team: Awaited<ReturnType<typeof teamWithAllRoles>>, name: string, domains: string, maxRemotes: number) {
  const owner = { token: team.members.owner.token };
  const secret = await api('POST', `/api/v1/teams/${team.team.slug}/secrets`, owner, {
    name: `${name}-key`,
    kind: 'ssh-private-key',
    value: bed.privateKey,
  });
  expect(secret.status, JSON.stringify(secret.body)).toBe(201);
  const platform = await api('POST', `/api/v1/teams/${team.team.slug}/platforms`, owner, {
    name,
    config: {
      kind: 'libvirt',
      uri: bed.uri,
      domains,
      pool: testPool,
      template: templateVolume,
      hostKeyFingerprint: bed.vmHost.hostKeyFingerprint,
    },
    maxRemotes,
    secretId: secret.body.id,
  });
  expect(platform.status, JSON.stringify(platform.body)).toBe(201);
  return platform.body.id as string;
}

async function startRun(
  team: Awaited<ReturnType<typeof teamWithAllRoles>>,
  tree: string,
  platformId: string,
  settings: { reruns: number; maxRemotes?: number },
) {
  const owner = { token: team.members.owner.token };
  const repo = await api('POST', `/api/v1/teams/${team.team.slug}/repos`, owner, { name: `suite-${path.basename(tree)}`, path: tree });
  const created = await api(
    'POST',
    `/api/v1/teams/${team.team.slug}/runs`,
    { token: team.members.member.token },
    { repoId: repo.body.id, plan: '/plans/all', platforms: [platformId], ...settings },
  );
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  return created.body.id as string;
}

async function runEnded(runId: string, timeoutMs: number) {
  return until(
    'the run to end',
    async () => {
      const row = await db.run.findUniqueOrThrow({ where: { id: runId } });
      return row.status !== 'queued' && row.status !== 'running' && row;
    },
    timeoutMs,
  ).catch(async (error: Error) => {
    const events = await timeline(runId);
    const start = events[0]?.at.getTime() ?? 0;
    const timed = events.map(({ at, event }) => ({ s: (at.getTime() - start) / 1000, ...event }));
    throw new Error(`${error.message} (guests under ${bed.accelerator}); events ${JSON.stringify(timed)}`);
  });
}

async function timeline(runId: string): Promise<Array<{ at: Date; event: RunEvent; runId: string }>> {
  const rows = await db.runEvent.findMany({ where: { runId }, orderBy: { seq: 'asc' } });
  return rows.map((row) => ({ at: row.createdAt, event: row.payload as RunEvent, runId }));
}

async function notes(runId: string, resultName: string): Promise<Array<{ test: string; attempt: number; note: string }>> {
  const results = await db.result.findMany({ where: { name: resultName, attempt: { runId } }, include: { attempt: true } });
  return results
    .map((result) => ({ test: result.attempt.testName, attempt: result.attempt.number, note: result.note ?? '' }))
    .sort((a, b) => a.test.localeCompare(b.test) || a.attempt - b.attempt);
}

/** Nothing left on the VM host: domains off, their clones dropped, no reservation in their metadata. */
async function expectAllGivenBack(domains: string[]) {
  expect(await runningDomains(domains)).toEqual([]);
  const volumes = await virsh('vol-list', testPool);
  for (const domain of domains) {
    expect(volumes).not.toContain(`${domain}.qcow2`);
    expect(await virsh('dumpxml', '--inactive', domain)).not.toContain('urn:testyard:reservation');
  }
}

test('a run on two VMs: a destructive test gets its VM thrown away, a failure reruns on a fresh VM, a reboot really reboots', async () => {
  const domains = await defineDomains('ty-run', 2);
  const tree = await suiteTree(
    [
      '/tests/plain:\n  test: |\n    . ./report.sh\n    report boot pass "$(cat /proc/sys/kernel/random/boot_id)"\n',
      '/tests/destructive:\n  tag: [destructive]\n  test: |\n    . ./report.sh\n    touch /root/trashed\n    report boot pass "$(cat /proc/sys/kernel/random/boot_id)"\n',
      // a failure leaves a mark; the rerun must not find it (a fresh clone of the template)
      "/tests/always-fails:\n  test: |\n    . ./report.sh\n    report disk pass \"$(ls /root/failed-here /root/trashed 2>/dev/null | tr '\\n' ' ')\"\n    touch /root/failed-here\n    exit 1\n",
      '/tests/reboot:\n  duration: 10m\n  test: |\n    . ./report.sh\n' +
        '    if [ "$TMT_REBOOT_COUNT" = 0 ]; then\n' +
        '      cat /proc/sys/kernel/random/boot_id > /root/boot-before\n' +
        // as atex's own reboot helper: survive the stream's end (EPIPE) and the session's
        "      trap '' PIPE HUP\n" +
        '      echo disconnect >&"$ATEX_TEST_CONTROL"\n' +
        '      while echo noop >&"$ATEX_TEST_CONTROL"; do sleep 0.1; done 2>/dev/null\n' +
        // a real system takes a while to go down (services stopping): the runner must not restart the test meanwhile
        '      sync; sleep 5; reboot; sleep 600\n' +
        '    fi\n' +
        '    report reboot pass "$TMT_REBOOT_COUNT $(cat /root/boot-before) $(cat /proc/sys/kernel/random/boot_id)"\n',
    ].join(''),
  );
  const team = await teamWithAllRoles();
  const platformId = await libvirtPlatform(team, 'vms', 'ty-run-?', 2);
  startWorker();
  const runId = await startRun(team, tree, platformId, { reruns: 1 });
  const run = await runEnded(runId, 480_000);
  const events = await timeline(runId);
  expect(run.status, `${run.error ?? ''} ${JSON.stringify(events.map((event) => event.event))}`).toBe('failed');

  const attempts = await db.attempt.findMany({ where: { runId }, orderBy: [{ testName: 'asc' }, { number: 'asc' }] });
  expect(attempts.map((attempt) => [attempt.testName, attempt.number])).toEqual([
    ['/tests/always-fails', 1],
    ['/tests/always-fails', 2],
    ['/tests/destructive', 1],
    ['/tests/plain', 1],
    ['/tests/reboot', 1],
  ]);
  // the rerun ran on a fresh clone: no mark of the failure nor of the destructive test
  expect(await notes(runId, 'disk')).toEqual([
    { test: '/tests/always-fails', attempt: 1, note: expect.not.stringContaining('failed-here') },
    { test: '/tests/always-fails', attempt: 2, note: '' },
  ]);
  const [reboot] = await notes(runId, 'reboot');
  const [count, before, after] = reboot!.note.split(' ');
  expect(count).toBe('1');
  expect(before).toMatch(/^[0-9a-f-]{36}$/);
  expect(after).toMatch(/^[0-9a-f-]{36}$/);
  expect(after).not.toBe(before);

  // the destructive test's VM was given back right after it, never used again without a new clone
  const destructive = events.find(({ event }) => event.type === 'test.started' && event.test === '/tests/destructive')!.event as Extract<
    RunEvent,
    { type: 'test.started' }
  >;
  const after_ = events.slice(events.findIndex(({ event }) => event === destructive) + 1).map(({ event }) => event);
  const released = after_.findIndex((event) => event.type === 'remote.released' && event.remote === destructive.remote);
  expect(released).toBeGreaterThanOrEqual(0);
  const reusedBeforeRelease = after_
    .slice(0, released)
    .some((event) => event.type === 'test.started' && event.remote === destructive.remote);
  expect(reusedBeforeRelease).toBe(false);
  const nextUse = after_.slice(released).findIndex((event) => event.type === 'test.started' && event.remote === destructive.remote);
  if (nextUse >= 0)
    expect(
      after_
        .slice(released, released + nextUse)
        .some((event) => event.type === 'remote.progress' && event.remote === destructive.remote && event.state === 'cloning'),
    ).toBe(true);

  // the run page's VM states came through the timeline
  const states = events.flatMap(({ event }) => (event.type === 'remote.progress' ? [event.state] : []));
  expect(new Set(states)).toEqual(new Set(['cloning', 'booting', 'waiting-for-ssh', 'releasing']));
  expect(states.filter((state) => state === 'cloning').length).toBeGreaterThanOrEqual(3);

  await expectAllGivenBack(domains);
}, 600_000);

test('two workers competing for two domains never hold the same one; a worker SIGKILLed while holding a VM: it is reclaimed and the run finishes', async () => {
  const domains = await defineDomains('ty-race', 2);
  const tests = Array.from({ length: 6 }, (_, index) => `/tests/t${index}:\n  test: sleep 3\n`).join('');
  const team = await teamWithAllRoles();
  const platformId = await libvirtPlatform(team, 'race', 'ty-race-*', 2);
  // A wants one VM, B two: with two domains, B keeps trying for the one A holds
  const first = startWorker();
  const runA = await startRun(team, await suiteTree(tests), platformId, { reruns: 0, maxRemotes: 1 });
  await until(
    'the first worker to take run A',
    async () => (await db.runPlatform.findFirst({ where: { runId: runA, status: 'running' } })) !== null,
    60_000,
  );
  startWorker();
  const runB = await startRun(team, await suiteTree(tests), platformId, { reruns: 0 });
  // both hold a VM (a test runs on each): now A's worker dies without giving anything back
  const running = async (runId: string) => (await timeline(runId)).some(({ event }) => event.type === 'test.started');
  await until('both runs to hold a VM', async () => (await running(runA)) && (await running(runB)), 300_000);
  first.kill('SIGKILL');
  await once(first, 'exit');
  const heldByA = (await timeline(runA)).flatMap(({ event }) => (event.type === 'test.started' ? [event.remote] : []));

  const [endedA, endedB] = await Promise.all([runEnded(runA, 480_000), runEnded(runB, 480_000)]);
  expect(endedA.status, endedA.error ?? '').toBe('passed');
  expect(endedB.status, endedB.error ?? '').toBe('passed');
  for (const runId of [runA, runB]) {
    const final = await db.attempt.findMany({ where: { runId, superseded: false, finishedAt: { not: null } } });
    expect(new Set(final.map((attempt) => attempt.testName)).size).toBe(6);
  }

  // Who held which domain when: a hold starts with its clone (the reservation is won by then) and
  // ends when it is given back (before the reservation ends). A's holds from before the kill never
  // end: its successor reclaims them before it starts A again, and B can take no VM meanwhile.
  const events = [...(await timeline(runA)), ...(await timeline(runB))].sort((a, b) => a.at.getTime() - b.at.getTime());
  const restartOfA = events.filter(({ runId, event }) => runId === runA && event.type === 'platform.started')[1];
  expect(restartOfA, 'run A was resumed by the other worker').toBeDefined();
  const holders = new Map<string, string>();
  let reclaimed = false;
  for (const { runId, event, at } of events) {
    if (!reclaimed && at >= restartOfA!.at) {
      for (const [remote, holder] of holders) if (holder === runA) holders.delete(remote);
      reclaimed = true;
    }
    if (event.type !== 'remote.progress') continue;
    if (event.state === 'cloning') {
      expect(holders.get(event.remote), `${event.remote} taken by run ${runId} while another held it`).toBeUndefined();
      holders.set(event.remote, runId);
    } else if (event.state === 'releasing' || event.state === 'failed') {
      holders.delete(event.remote);
    }
  }
  expect(heldByA.length).toBeGreaterThan(0);
  await expectAllGivenBack(domains);
}, 900_000);

test('at start, a worker gives back the VMs of runs that ended without releasing them (their worker was killed)', async () => {
  const [leftover, foreign] = await defineDomains('ty-sweep', 2);
  const team = await teamWithAllRoles();
  const platformId = await libvirtPlatform(team, 'sweep', 'ty-sweep-*', 1);
  const runId = await startRun(team, await suiteTree('/tests/t:\n  test: "true"\n'), platformId, { reruns: 0 });
  // the run ended (cancelled) while a killed worker held a VM for it: reserved, cloned, running
  await db.run.update({ where: { id: runId }, data: { status: 'cancelled' } });
  await db.runPlatform.updateMany({ where: { runId }, data: { status: 'cancelled' } });
  const runPlatform = await db.runPlatform.findFirstOrThrow({ where: { runId } });
  const local = new DomainReservations(new Virsh({ uri: 'qemu:///system' }));
  expect(await local.tryReserve(leftover!, 'killed-worker.1', runPlatform.id, 600_000)).toBe(true);
  await virsh('vol-clone', '--pool', testPool, templateVolume, `${leftover}.qcow2`);
  await virsh('start', leftover!);
  // a live reservation of an owner this server does not know (another tool's) is theirs
  expect(await local.tryReserve(foreign!, 'other-tool.1', 'not-a-run-platform', 600_000)).toBe(true);

  startWorker();
  await until(
    'the leftover VM to be given back',
    async () =>
      (await runningDomains([leftover!])).length === 0 &&
      !(await virsh('dumpxml', '--inactive', leftover!)).includes('urn:testyard:reservation'),
    120_000,
  );
  await expectAllGivenBack([leftover!]);
  expect((await local.describe(foreign!)).reservations.map((reservation) => reservation.owner)).toEqual(['not-a-run-platform']);
  await local.clear(foreign!, 'other-tool.1');
}, 300_000);
