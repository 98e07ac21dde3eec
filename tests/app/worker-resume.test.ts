// The crash test: a run of 30 tests on 4 podman containers (reruns,
// a destructive test, a test that always fails); the worker running it is
// SIGKILLed mid-run and another takes over. Every test's final result is
// stored exactly once and no container is left behind.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, inject, test } from 'vitest';
import { createDb, type Db } from '../../lib/server/db/client';
import { runLabel } from '../../lib/engine/provision/container';
import { api, teamWithAllRoles } from '../support/api';
import { testOperatorPolicy } from '../support/app-server';
import { cancelLeftoverRuns } from '../support/leftover-runs';
import { ensureTestImage, startPodmanService, type PodmanService } from '../support/podman';

const repoRoot = path.resolve(import.meta.dirname, '../..');
let podman: PodmanService;
let db: Db;
let dataDir: string;
const workers: ChildProcess[] = [];

function startWorker(): ChildProcess {
  const worker = spawn(process.execPath, ['--import', 'tsx', 'worker/index.ts'], {
    cwd: repoRoot,
    env: {
      ...process.env,
      ...testOperatorPolicy,
      DATABASE_URL: inject('databaseUrl'),
      TESTYARD_DOCKER_HOST: podman.dockerHost,
      TESTYARD_CONTAINER_NETWORK: 'host',
      TESTYARD_WORKER_CONCURRENCY: '2',
      TESTYARD_DATA_DIR: dataDir,
    },
    stdio: ['ignore', process.env.TESTYARD_TEST_LOGS ? 'inherit' : 'ignore', process.env.TESTYARD_TEST_LOGS ? 'inherit' : 'ignore'],
  });
  workers.push(worker);
  return worker;
}

/** Workers of an earlier test would take this test's jobs. */
async function stopWorkers(): Promise<void> {
  await Promise.all(
    workers.splice(0).map(async (worker) => {
      if (worker.exitCode !== null || worker.signalCode !== null) return;
      worker.kill('SIGCONT');
      worker.kill('SIGTERM');
      await once(worker, 'exit');
    }),
  );
}

async function until<T>(what: string, probe: () => Promise<T | undefined | null | false>, timeoutMs = 120_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

beforeAll(async () => {
  [podman] = await Promise.all([startPodmanService(), ensureTestImage(), cancelLeftoverRuns(inject('databaseUrl'))]);
  db = createDb(inject('databaseUrl'));
  dataDir = await mkdtemp(path.join(tmpdir(), 'testyard-worker-data-'));
});

afterAll(async () => {
  await stopWorkers();
  await db?.$disconnect();
  await podman?.stop();
});

async function suiteTree(): Promise<string> {
  const root = await mkdtemp(path.join(tmpdir(), 'testyard-resume-tree-'));
  await mkdir(path.join(root, '.fmf'));
  await writeFile(path.join(root, '.fmf', 'version'), '1\n');
  const tests = Array.from(
    { length: 27 },
    (_, index) => `/tests/t${String(index).padStart(2, '0')}:\n  test: sleep 0.${3 + (index % 5)}\n`,
  ).join('');
  await writeFile(
    path.join(root, 'main.fmf'),
    `/plans/all:\n  discover:\n    how: fmf\n${tests}` +
      '/tests/always-fails:\n  test: "sleep 0.2; exit 1"\n' +
      '/tests/destructive:\n  test: "sleep 0.3"\n  tag: [destructive]\n' +
      '/tests/sub-results:\n  test: |\n    printf \'result 30\\n{"status": "pass", "name": "one"}\' >&"$ATEX_TEST_CONTROL"\n',
  );
  return root;
}

/**
 * Starts a run of the suite on a first worker and, once some results are
 * stored, lets `interrupt` take that worker out; a second worker is started
 * then. Returns when the run has ended, with what the checks need.
 */
async function runThroughInterruption(interrupt: (first: ChildProcess, runId: string) => Promise<void>) {
  await stopWorkers();
  const tree = await suiteTree();
  const team = await teamWithAllRoles();
  const owner = { token: team.members.owner.token };
  const platform = await api('POST', `/api/v1/teams/${team.team.slug}/platforms`, owner, {
    name: 'bookworm',
    config: { kind: 'container', image: 'localhost/testyard-exec-test:bookworm-1' },
    maxRemotes: 4,
  });
  const repo = await api('POST', `/api/v1/teams/${team.team.slug}/repos`, owner, { name: 'suite', path: tree });

  const first = startWorker();
  const created = await api(
    'POST',
    `/api/v1/teams/${team.team.slug}/runs`,
    { token: team.members.member.token },
    { repoId: repo.body.id, plan: '/plans/all', platforms: [platform.body.id], reruns: 2 },
  );
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  const runId = created.body.id as string;

  await until(
    'some results stored',
    async () => (await db.attempt.count({ where: { runId, finishedAt: { not: null } } })) >= 6,
    40_000,
  ).catch(async (error: Error) => {
    const [platforms, events] = await Promise.all([
      db.runPlatform.findMany({ where: { runId } }),
      db.runEvent.findMany({ where: { runId }, orderBy: { seq: 'asc' } }),
    ]);
    throw new Error(
      `${error.message}; platforms ${JSON.stringify(platforms)}; events ${JSON.stringify(events.map((event) => event.payload))}`,
    );
  });
  const storedBefore = await db.attempt.count({ where: { runId, finishedAt: { not: null } } });
  await interrupt(first, runId);
  startWorker();

  const run = await until(
    'the run to end',
    async () => {
      const row = await db.run.findUniqueOrThrow({ where: { id: runId } });
      return row.status !== 'queued' && row.status !== 'running' && row;
    },
    240_000,
  );
  return { run, runId, storedBefore, exportPath: `/api/v1/teams/${team.team.slug}/runs/${created.body.number}/export.jsonl`, owner, first };
}

/** Every test ended with exactly one final result, attempts numbered 1..n, and no container is left. */
async function expectEachTestEndedOnce({
  run,
  runId,
  storedBefore,
  exportPath,
  owner,
}: Awaited<ReturnType<typeof runThroughInterruption>>) {
  expect(run.status, run.error ?? '').toBe('failed');
  const attempts = await db.attempt.findMany({ where: { runId }, orderBy: [{ testName: 'asc' }, { number: 'asc' }] });
  const testNames = [...new Set(attempts.map((attempt) => attempt.testName))];
  expect(testNames).toHaveLength(30);
  for (const name of testNames) {
    const final = attempts.filter((attempt) => attempt.testName === name && !attempt.superseded);
    expect(final, name).toHaveLength(1);
    expect(final[0]!.finishedAt, name).not.toBeNull();
    const finalResults = await db.result.count({ where: { attemptId: final[0]!.id, name: null, superseded: false } });
    expect(finalResults, name).toBe(1);
    const numbers = attempts.filter((attempt) => attempt.testName === name).map((attempt) => attempt.number);
    expect(numbers, name).toEqual(numbers.map((_, index) => index + 1));
  }
  expect(await db.attempt.count({ where: { runId, finishedAt: { not: null } } })).toBeGreaterThanOrEqual(storedBefore);
  expect(
    attempts
      .filter((attempt) => attempt.testName === '/tests/always-fails')
      .map((attempt) => attempt.superseded)
      .filter((superseded) => !superseded),
  ).toHaveLength(1);
  const lost = attempts.filter((attempt) => attempt.rerunReason === 'worker lost');
  expect(lost.length).toBeGreaterThan(0);
  expect(lost.every((attempt) => attempt.superseded && attempt.finishedAt === null)).toBe(true);
  // Final results appear once each in the export.
  const exported = await api<string>('GET', exportPath, owner);
  const lines = String(exported.body)
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as unknown[]);
  expect(
    lines
      .filter((line) => line[3] === null)
      .map((line) => line[2])
      .sort(),
  ).toEqual([...testNames].sort());

  const left = await until(
    'no container left',
    async () => {
      const containers = await podman.docker.listContainers({ all: true, filters: { label: [`${runLabel}=${runId}`] } });
      return containers.length === 0 && containers;
    },
    30_000,
  );
  expect(left).toEqual([]);
  // The dead worker's unfinished attempts went from the live folder at the takeover, everything else once the platform finished.
  const artifacts = path.join(dataDir, 'artifacts');
  expect(existsSync(path.join(artifacts, runId))).toBe(true);
  expect(existsSync(path.join(artifacts, 'live', runId))).toBe(false);
}

test('a worker SIGKILLed mid-run: another resumes; each test ends with exactly one final result; no container left', async () => {
  const outcome = await runThroughInterruption(async (first) => {
    first.kill('SIGKILL');
    await once(first, 'exit');
  });
  await expectEachTestEndedOnce(outcome);
}, 300_000);

test('a worker stalled past its heartbeat: another takes over; when it wakes it stops and stores nothing more', async () => {
  const outcome = await runThroughInterruption(async (first, runId) => {
    first.kill('SIGSTOP');
    // Woken once the successor holds the platform: it must notice and give way.
    void until(
      'another worker to take the platform over',
      async () => {
        const platform = await db.runPlatform.findFirst({ where: { runId, workerId: { not: null } } });
        const holder = platform?.workerId && (await db.heartbeat.findUnique({ where: { id: platform.workerId } }));
        return holder && holder.pid !== first.pid;
      },
      120_000,
    ).finally(() => first.kill('SIGCONT'));
  });
  await expectEachTestEndedOnce(outcome);
  expect(outcome.first.exitCode, 'the stalled worker keeps serving').toBeNull();
  // One end, told by the successor: the stalled worker's own ending is not in the timeline.
  const events = await db.runEvent.findMany({ where: { runId: outcome.runId }, orderBy: { seq: 'asc' } });
  const starts = events.filter((event) => event.type === 'platform.started');
  const ends = events.filter((event) => event.type === 'platform.finished');
  expect(starts).toHaveLength(2);
  expect(ends.map((event) => event.payload)).toEqual([{ type: 'platform.finished', platform: 'bookworm', status: 'failed', error: null }]);
  expect(ends[0]!.seq).toBeGreaterThan(starts[1]!.seq);
}, 300_000);
