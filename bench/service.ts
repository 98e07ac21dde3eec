// npm run bench:service — what the service adds to the engine: 500 `true`
// tests on a pool of 4 SSH hosts (real sshd on loopback), run (a) by
// `testyard run`, process start to exit, and (b) through the REST API on a
// running app, from the create request to the run's final status. Target:
// (b) within 1.1× of (a). The two run alternately, round by round, and the
// ratio is the median of each round's. The first round of each
// (BENCH_WARMUP) is printed but not counted: the app has just started, and a
// service that has run anything before is warm (compiled code, prepared
// statements, caches), while testyard run always starts cold and is measured so.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { io } from 'socket.io-client';
import { createDb } from '../lib/server/db/client';
import type { SequencedRunEvent } from '../lib/shared/events/catalogue';
import { liveEventNames } from '../lib/shared/rooms';
import { signUpAndConfirm } from '../tests/support/accounts';
import { startApp } from '../tests/support/app-server';
import { startSshdPool } from '../tests/support/sshd-pool';
import { createTestDatabase } from '../tests/support/test-database';

const tests = Number(process.env.BENCH_TESTS ?? 500);
const hosts = 4;
const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
const warmUpRounds = Number(process.env.BENCH_WARMUP ?? 1);
const roundName = (index: number) => (index < warmUpRounds ? `warm-up ${index + 1}` : `round ${index - warmUpRounds + 1}`);
const target = 1.1;
const percentile = (values: number[], fraction: number) => [...values].sort((a, b) => a - b)[Math.floor(values.length * fraction)]!;
const median = (values: number[]) => percentile(values, 0.5);
const mean = (values: number[]) => values.reduce((sum, value) => sum + value, 0) / values.length;

const work = await mkdtemp(path.join(tmpdir(), 'testyard-bench-service-'));
const suite = path.join(work, 'suite');
await mkdir(path.join(suite, '.fmf'), { recursive: true });
await writeFile(path.join(suite, '.fmf', 'version'), '1\n');
const testNodes = Object.fromEntries(
  Array.from({ length: tests }, (_, index) => [`/t${String(index).padStart(4, '0')}`, { test: 'true' }]),
);
await writeFile(
  path.join(suite, 'main.fmf'),
  JSON.stringify({ '/plans/bench': { discover: { how: 'fmf' }, execute: { how: 'tmt' } }, '/tests': testNodes }),
);

const pool = await startSshdPool(hosts);
const database = await createTestDatabase();
const db = createDb(database.url);
let app: Awaited<ReturnType<typeof startApp>> | undefined;
try {
  const keyFile = path.join(work, 'key');
  await writeFile(keyFile, pool.privateKey, { mode: 0o600 });
  const [first, ...others] = pool.servers;
  const sshSpec = `ssh:${first!.username}@${first!.host}:${first!.port},${others.map((server) => `${server.host}:${server.port}`).join(',')}`;
  const cliTimes: number[] = [];
  /** Runs `testyard run` to its end; says when its first and last test passed, from the lines it prints. */
  const cliRound = async () => {
    const started = performance.now();
    const child = spawn(
      path.resolve(import.meta.dirname, '../bin/testyard'),
      ['run', '--tree', suite, '--plan', '/plans/bench', '--platform', `pool=${sshSpec}`, '--identity', keyFile, '--reruns', '0'],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let firstPass = NaN;
    let lastPass = NaN;
    createInterface({ input: child.stdout }).on('line', (line) => {
      if (!line.endsWith(': pass')) return;
      lastPass = performance.now();
      if (Number.isNaN(firstPass)) firstPass = lastPass;
    });
    const [code] = (await once(child, 'exit')) as [number | null];
    if (code !== 0) throw new Error(`testyard run exited with ${code}`);
    const ended = performance.now();
    cliTimes.push((ended - started) / 1000);
    console.log(
      `  ${roundName(cliTimes.length - 1)}, testyard run: ${cliTimes.at(-1)!.toFixed(2)} s; start → first test passed ${Math.round(firstPass - started)} ms, last test passed → exit ${Math.round(ended - lastPass)} ms`,
    );
  };

  app = await startApp(database.url, { TESTYARD_LOCAL_REPO_ROOTS: work });
  const base = app.url;
  const { cookie } = await signUpAndConfirm(base, app.dataDir, {
    email: `bench-${Date.now()}@example.com`,
    password: 'correct horse battery',
    name: 'bench',
  });
  const call = async <T>(method: string, route: string, body?: unknown): Promise<T> => {
    const response = await fetch(`${base}${route}`, {
      method,
      headers: { cookie, origin: base, ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    if (!response.ok) throw new Error(`${method} ${route}: ${response.status} ${await response.text()}`);
    return (await response.json()) as T;
  };
  const team = await call<{ slug: string }>('POST', '/api/v1/teams', { name: 'Bench service' });
  const teamApi = `/api/v1/teams/${team.slug}`;
  const secret = await call<{ id: string }>('POST', `${teamApi}/secrets`, { name: 'key', kind: 'ssh-private-key', value: pool.privateKey });
  const platform = await call<{ id: string }>('POST', `${teamApi}/platforms`, {
    name: 'pool',
    config: {
      kind: 'ssh',
      hosts: pool.servers.map((server) => ({ host: server.host, port: server.port, user: server.username })),
      hostKeyFingerprints: Object.fromEntries(pool.servers.map((server) => [`${server.host}:${server.port}`, server.hostKeyFingerprint])),
    },
    secretId: secret.id,
    // as testyard run: every host of the pool in use
    maxRemotes: hosts,
  });
  const repo = await call<{ id: string }>('POST', `${teamApi}/repos`, { name: 'bench', path: suite });
  const serviceTimes: number[] = [];
  // Alternately, so that a machine that gets busier or quieter meanwhile affects both alike.
  for (let round = 0; round < warmUpRounds + rounds; round++) {
    await cliRound();
    // As a client waiting for a run does (testyard api run --wait): told of its end live, not polling the server.
    const socket = io(base, { transports: ['websocket'], extraHeaders: { cookie, origin: base } });
    const events: SequencedRunEvent[] = [];
    // Woken by the run's end, not polling: the client must not take CPU from the service it measures.
    let wake = () => {};
    const received = (items: SequencedRunEvent[]) => {
      events.push(...items);
      if (items.some(({ event }) => event.type === 'run.finished')) wake();
    };
    socket.on(liveEventNames.runEvents, received);
    await new Promise((resolve) => socket.once('connect', () => resolve(undefined)));
    const started = performance.now();
    const run = await call<{ id: string; number: number }>('POST', `${teamApi}/runs`, {
      repoId: repo.id,
      plan: '/plans/bench',
      platforms: [platform.id],
      reruns: 0,
    });
    if (!(await socket.emitWithAck('subscribe', `run:${run.id}`))) throw new Error('the run room was refused');
    const ended = () => events.some(({ event }) => event.type === 'run.finished');
    while (!ended()) {
      await new Promise<void>((resolve) => {
        wake = resolve;
        setTimeout(resolve, 1000);
      });
      // whatever happened before the room was joined is in the timeline
      if (events.length === 0 && !ended()) received(await call<SequencedRunEvent[]>('GET', `${teamApi}/runs/${run.number}/events?after=0`));
    }
    serviceTimes.push((performance.now() - started) / 1000);
    socket.close();
    const finished = events.find(({ event }) => event.type === 'run.finished')!.event;
    if (finished.type === 'run.finished' && finished.status !== 'passed') throw new Error(`run ${run.number} ended ${finished.status}`);
    console.log(`  ${roundName(round)}, REST API:     ${serviceTimes.at(-1)!.toFixed(2)} s; ${await whereTheTimeWent(run.number)}`);
  }
  const warmUp = { cli: cliTimes.splice(0, warmUpRounds), service: serviceTimes.splice(0, warmUpRounds) };
  const ratios = serviceTimes.map((time, index) => time / cliTimes[index]!);
  const ratio = median(ratios);

  /** From the stored attempts: when the first test started, how long tests took, and the gaps between tests on one system. */
  async function whereTheTimeWent(runNumber: number): Promise<string> {
    const run = await db.run.findFirstOrThrow({
      where: { number: runNumber, team: { slug: team.slug } },
      select: { id: true, createdAt: true, finishedAt: true },
    });
    const attempts = await db.attempt.findMany({
      where: { runId: run.id },
      select: { remote: true, startedAt: true, finishedAt: true },
      orderBy: { startedAt: 'asc' },
    });
    const byRemote = new Map<string | null, typeof attempts>();
    for (const attempt of attempts) byRemote.set(attempt.remote, [...(byRemote.get(attempt.remote) ?? []), attempt]);
    const gaps = [...byRemote.values()].flatMap((list) =>
      list.slice(1).map((attempt, index) => attempt.startedAt.getTime() - list[index]!.finishedAt!.getTime()),
    );
    const durations = attempts.map((attempt) => attempt.finishedAt!.getTime() - attempt.startedAt.getTime());
    const first = attempts[0]!.startedAt.getTime() - run.createdAt.getTime();
    // The start-up's steps, from the run's timeline: each type's first event.
    const timeline = await db.runEvent.findMany({
      where: { runId: run.id },
      orderBy: { seq: 'asc' },
      select: { type: true, createdAt: true },
    });
    const firstOf = (type: string) => timeline.find((event) => event.type === type)?.createdAt.getTime();
    const steps = ['platform.started', 'remote.provisioned', 'remote.ready']
      .map((type) => `${type} ${(firstOf(type) ?? NaN) - run.createdAt.getTime()} ms`)
      .join(', ');
    const last = run.finishedAt!.getTime() - Math.max(...attempts.map((attempt) => attempt.finishedAt!.getTime()));
    return `created → first test ${first} ms (${steps}), test p50 ${median(durations)} ms (mean ${mean(durations).toFixed(1)}, p90 ${percentile(durations, 0.9)}, max ${Math.max(...durations)}), gap between tests on a system p50 ${median(gaps)} ms (mean ${mean(gaps).toFixed(1)}, max ${Math.max(...gaps)}) (${byRemote.size} systems), last test → run finished ${last} ms`;
  }
  console.log(`${tests} \`true\` tests on ${hosts} SSH hosts, ${rounds} rounds each after ${warmUpRounds} not counted`);
  console.log(
    `  warm-up, not counted: testyard run [${warmUp.cli.map((time) => time.toFixed(2)).join(', ')}] s, REST API [${warmUp.service.map((time) => time.toFixed(2)).join(', ')}] s`,
  );
  console.log(
    `  testyard run (process start → exit):      median ${median(cliTimes).toFixed(2)} s  [${cliTimes.map((time) => time.toFixed(2)).join(', ')}]`,
  );
  console.log(
    `  REST API (create → final status):         median ${median(serviceTimes).toFixed(2)} s  [${serviceTimes.map((time) => time.toFixed(2)).join(', ')}]`,
  );
  console.log(
    `  service ÷ CLI, round by round: median ${ratio.toFixed(2)}× [${ratios.map((value) => value.toFixed(2)).join(', ')}]   target ≤ ${target}×: ${ratio <= target ? 'met' : 'MISSED'}`,
  );
} finally {
  await app?.stop();
  await db.$disconnect();
  await database.drop();
  await pool.stop();
  await rm(work, { recursive: true, force: true });
}
