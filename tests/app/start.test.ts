// `npm start` as a newcomer runs it: no DATABASE_URL, so it initialises an
// embedded PostgreSQL under the data folder, migrates, and runs web + worker;
// Ctrl-C stops every process; a second start reuses the data. It supervises
// what it runs: a worker or web server that dies is started again, and the
// run the worker held finishes without anyone restarting anything.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, expect, inject, test } from 'vitest';
import { createDb } from '../../lib/server/db/client';
import { engineAnswers } from '../../lib/server/process/container-engine';
import { api, teamWithAllRoles } from '../support/api';
import { mailsTo } from '../support/accounts';
import { testOperatorPolicy } from '../support/app-server';
import { freePort } from '../support/free-port';
import { cancelLeftoverRuns } from '../support/leftover-runs';
import { ensureTestImage, testImage } from '../support/podman';
import { repoRoot } from '../support/test-database';

let dataDir: string;
const running: ChildProcess[] = [];

afterAll(async () => {
  // A test that failed half-way leaves its app running: stop it as Ctrl-C would, or it takes later files' jobs.
  await Promise.all(
    running
      .filter((child) => child.exitCode === null && child.signalCode === null)
      .map(async (child) => {
        const exited = once(child, 'exit');
        process.kill(-child.pid!, 'SIGINT');
        const timer = setTimeout(() => process.kill(-child.pid!, 'SIGKILL'), 30_000);
        await exited;
        clearTimeout(timer);
      }),
  );
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

async function start(env: NodeJS.ProcessEnv) {
  // detached: its own process group, as a terminal's foreground job would be
  const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/start.ts'], {
    cwd: repoRoot,
    env,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.push(child);
  let output = '';
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));
  const url = `http://localhost:${env.PORT}`;
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`npm start exited early:\n${output}`);
    const health = await fetch(`${url}/api/v1/health`)
      .then((r) => r.json())
      .catch(() => null);
    if (health?.ok) return { child, url, output: () => output };
    await new Promise((resolve) => setTimeout(resolve, 300));
  }
  throw new Error(`npm start did not become healthy:\n${output}`);
}

/** Ctrl-C in a terminal signals the whole foreground process group. */
async function pressCtrlC(child: ChildProcess): Promise<number | null> {
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  process.kill(-child.pid!, 'SIGINT');
  return exited;
}

const signIn = (url: string, password: string) =>
  fetch(`${url}/api/auth/sign-in/email`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: url },
    body: JSON.stringify({ email: 'first@example.com', password }),
  });

test('npm start boots embedded PostgreSQL, stops cleanly on Ctrl-C, and keeps the data', async () => {
  dataDir = await mkdtemp(path.join(repoRoot, '.data', 'test-start-'));
  await chmod(dataDir, 0o755);
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    TESTYARD_DATA_DIR: dataDir,
    PORT: String(await freePort()),
    TESTYARD_PG_PORT: String(await freePort()),
  };
  delete env.DATABASE_URL;
  delete env.TESTYARD_URL;

  const first = await start(env);
  expect(existsSync(path.join(dataDir, 'postgres', 'PG_VERSION'))).toBe(true);
  expect(existsSync(path.join(dataDir, 'keys.json'))).toBe(true);
  const signUp = await fetch(`${first.url}/api/auth/sign-up/email`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: first.url },
    body: JSON.stringify({ email: 'first@example.com', password: 'the right password', name: 'First' }),
  });
  expect(signUp.status).toBe(200);

  const statuses = [];
  for (let i = 0; i < 11; i++) statuses.push((await signIn(first.url, 'a wrong password')).status);
  expect(statuses.slice(0, 9).every((s) => s === 401)).toBe(true);
  expect(statuses.at(-1)).toBe(429);

  expect(await pressCtrlC(first.child)).toBe(0);
  expect(first.output()).toMatch(/testyard: stopped/);
  expect(existsSync(path.join(dataDir, 'postgres', 'postmaster.pid'))).toBe(false);
  expect(await fetch(first.url).catch(() => 'refused')).toBe('refused');

  const second = await start(env);
  expect(second.output()).not.toMatch(/applying migration/);
  const again = await fetch(`${second.url}/api/auth/sign-up/email`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: second.url },
    body: JSON.stringify({ email: 'first@example.com', password: 'another password', name: 'Again' }),
  });
  // The same answer as for a new address (no session, no "already exists"); the owner gets a mail instead.
  expect(again.status).toBe(200);
  expect(again.headers.getSetCookie()).toEqual([]);
  await expect
    .poll(async () => (await mailsTo(dataDir, 'first@example.com')).map((mail) => mail.subject))
    .toContain('Someone tried to sign up with your address');
  expect(await pressCtrlC(second.child)).toBe(0);
}, 300_000);

test('with DATABASE_URL, npm start uses that database and starts no PostgreSQL of its own', async () => {
  const ownData = await mkdtemp(path.join(repoRoot, '.data', 'test-start-external-'));
  try {
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      TESTYARD_DATA_DIR: ownData,
      PORT: String(await freePort()),
      DATABASE_URL: inject('databaseUrl'),
    };
    delete env.TESTYARD_URL;
    const app = await start(env);
    expect(app.output()).not.toMatch(/embedded PostgreSQL/);
    expect(existsSync(path.join(ownData, 'postgres'))).toBe(false);
    expect(await pressCtrlC(app.child)).toBe(0);
  } finally {
    await rm(ownData, { recursive: true, force: true });
  }
}, 300_000);

async function until<T>(what: string, probe: () => Promise<T | undefined | null | false>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** Twenty one-second tests: a run long enough to kill its worker in the middle. */
async function twentyTests(): Promise<string> {
  const root = await mkdtemp(path.join(tmpdir(), 'testyard-start-tree-'));
  await mkdir(path.join(root, '.fmf'));
  await writeFile(path.join(root, '.fmf', 'version'), '1\n');
  const tests = Array.from({ length: 20 }, (_, index) => `/tests/t${String(index).padStart(2, '0')}:\n  test: sleep 1\n`).join('');
  await writeFile(path.join(root, 'main.fmf'), `/plans/all:\n  discover:\n    how: fmf\n${tests}`);
  return root;
}

test('npm start restarts a SIGKILLed worker, whose run then finishes with each result once, and a SIGKILLed web server; /health shows both', async () => {
  const db = createDb(inject('databaseUrl'));
  const ownData = await mkdtemp(path.join(repoRoot, '.data', 'test-start-supervise-'));
  const tree = await twentyTests();
  try {
    await Promise.all([ensureTestImage(), cancelLeftoverRuns(inject('databaseUrl'))]);
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      ...testOperatorPolicy,
      TESTYARD_DATA_DIR: ownData,
      PORT: String(await freePort()),
      DATABASE_URL: inject('databaseUrl'),
      TESTYARD_CONTAINER_NETWORK: 'host',
    };
    // As on a laptop with podman installed and no engine configured: npm start runs podman's API service itself.
    for (const name of ['TESTYARD_URL', 'TESTYARD_DOCKER_HOST', 'DOCKER_HOST']) delete env[name];
    const app = await start(env);
    expect(app.output()).toMatch(/starting podman's API service on unix:\/\/.*podman\.sock/);
    const ownWorker = () =>
      db.heartbeat.findFirst({ where: { kind: 'worker', info: { path: ['serves'], array_contains: ['container'] } } });
    const firstWorker = await until('a worker serving containers', ownWorker);

    const { team, members } = await teamWithAllRoles();
    const admin = { token: members.admin.token };
    const platform = await api('POST', `/api/v1/teams/${team.slug}/platforms`, admin, {
      name: 'bookworm',
      config: { kind: 'container', image: testImage },
      maxRemotes: 2,
    });
    const repo = await api('POST', `/api/v1/teams/${team.slug}/repos`, admin, { name: 'twenty', path: tree });
    const created = await api('POST', `/api/v1/teams/${team.slug}/runs`, admin, {
      repoId: repo.body.id,
      plan: '/plans/all',
      platforms: [platform.body.id],
      reruns: 0,
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const runId = created.body.id as string;

    await until('some results stored', async () => (await db.attempt.count({ where: { runId, finishedAt: { not: null } } })) >= 4, 120_000);
    expect((await db.runPlatform.findFirstOrThrow({ where: { runId } })).workerId).toBe(firstWorker.id);
    process.kill(firstWorker.pid, 'SIGKILL');
    const killedAt = Date.now();

    // Nobody starts anything: the supervisor brings a worker back, whose start-up sweep takes the run over at once.
    const successor = await until('a new worker to take the run over', async () => {
      const held = await db.runPlatform.findFirst({ where: { runId, workerId: { not: null } }, select: { workerId: true } });
      return held && held.workerId !== firstWorker.id && db.heartbeat.findUnique({ where: { id: held.workerId! } });
    });
    const tookOverAt = Date.now();
    expect(
      tookOverAt - successor!.startedAt.getTime(),
      'the new worker took the platform over as it started, without waiting for a heartbeat timeout',
    ).toBeLessThan(5_000);
    console.log(
      `worker killed → run taken over in ${((tookOverAt - killedAt) / 1000).toFixed(1)} s, ${((tookOverAt - successor!.startedAt.getTime()) / 1000).toFixed(1)} s after the new worker's first heartbeat`,
    );

    const run = await until(
      'the run to end',
      async () => {
        const row = await db.run.findUniqueOrThrow({ where: { id: runId } });
        return row.status !== 'queued' && row.status !== 'running' && row;
      },
      180_000,
    );
    expect(run.status, run.error ?? '').toBe('passed');
    const attempts = await db.attempt.findMany({ where: { runId }, include: { results: { where: { name: null } } } });
    const final = attempts.filter((attempt) => !attempt.superseded);
    expect(final.map((attempt) => attempt.testName).sort()).toEqual(
      Array.from({ length: 20 }, (_, index) => `/tests/t${String(index).padStart(2, '0')}`),
    );
    for (const attempt of final)
      expect(
        attempt.results.map((result) => result.status),
        attempt.testName,
      ).toEqual(['pass']);
    expect(attempts.filter((attempt) => attempt.superseded).every((attempt) => attempt.rerunReason === 'worker lost')).toBe(true);

    const exit = await db.processExit.findFirstOrThrow({ where: { process: 'worker', pid: firstWorker.pid } });
    expect(exit).toMatchObject({ signal: 'SIGKILL', exitCode: null, restarts: 1, restartedPid: successor!.pid });
    expect(app.output()).toMatch(/worker exited unexpectedly \(SIGKILL\)/);

    // The web server: killed, started again, and pages load.
    const web = await db.heartbeat.findFirstOrThrow({ where: { kind: 'web', info: { path: ['port'], equals: Number(env.PORT) } } });
    process.kill(web.pid, 'SIGKILL');
    await until('the web server to go', async () => (await fetch(app.url).catch(() => 'refused')) === 'refused', 10_000);
    const signIn = await until(
      'the web server to come back',
      async () => {
        const response = await fetch(`${app.url}/api/auth/sign-in/email`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', origin: app.url },
          body: JSON.stringify({ email: members.admin.email, password: 'correct horse battery' }),
        });
        return response.ok && response;
      },
      60_000,
    );
    const cookie = signIn.headers
      .getSetCookie()
      .map((item) => item.split(';')[0])
      .join('; ');
    const runPage = await fetch(`${app.url}/t/${team.slug}/runs/${created.body.number}`, { headers: { cookie } });
    expect(runPage.status).toBe(200);
    const health = await (await fetch(`${app.url}/health`, { headers: { cookie } })).text();
    expect(health).toMatch(/data-testid="process-exit-web"/);
    expect(health).toMatch(/data-testid="process-exit-worker"/);
    expect(health).toContain(`restarted`);
    expect(health).toContain(`as PID ${successor!.pid}`);
    // Anonymous visitors see the processes, not the restarts.
    expect(await (await fetch(`${app.url}/health`)).text()).not.toMatch(/process-exit-/);

    expect(await pressCtrlC(app.child)).toBe(0);
    expect(app.output()).toMatch(/testyard: stopped/);
    expect(app.output()).not.toMatch(/web exited unexpectedly \(SIGINT|worker exited unexpectedly \(SIGINT/);
    expect(await engineAnswers(`unix://${path.join(ownData, 'podman.sock')}`), "podman's service stopped with the app").toBe(false);
  } finally {
    await db.$disconnect();
    await rm(ownData, { recursive: true, force: true });
    await rm(tree, { recursive: true, force: true });
  }
}, 600_000);
