// npm run bench:history — the team history services against a real
// PostgreSQL, timed in this process (server time, no HTTP): one test's
// history over 1,000 runs, the runs index's first page over 100,000 runs
// with each filter, and the flakiest tests read from the maintained summary
// at two stored-result counts (the read must not grow with them).
// BENCH_RUNS, BENCH_RESULTS and BENCH_TESTS change the sizes (BENCH_RESULTS=10000000
// for the 10M results: seeding them takes a long while on 2 cores).
// Each line has the p95 wall-clock time and the database server's mean CPU
// time per call (see ./server-cpu.ts), which a busy machine inflates less;
// on one connection, so queries a service sends side by side run one after
// the other here (a pessimistic wall clock).
import { cpus, loadavg } from 'node:os';
import { listFlakiestTests } from '../lib/server/history/flakiness';
import { listRunsIndex } from '../lib/server/history/runs-index';
import { getTestHistory } from '../lib/server/history/test-history';
import { createTestDatabase } from '../tests/support/test-database';
import { seedHistory } from './history-seed';
import { singleConnectionDb, timed } from './server-cpu';

const runs = Number(process.env.BENCH_RUNS ?? 100_000);
const results = Number(process.env.BENCH_RESULTS ?? 2_000_000);
const tests = Number(process.env.BENCH_TESTS ?? 5_000);
const samples = 40;
const targets = { historyP95Ms: 100, indexFirstPageMs: 150, flakinessMs: 500 };

const percentile = (values: number[], p: number) =>
  [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor((p / 100) * values.length))]!;

interface Measured {
  p95Ms: number;
  /** Mean per call; null where the server's CPU time cannot be read. */
  serverCpuMs: number | null;
}

function line(label: string, { p95Ms, serverCpuMs }: Measured, targetMs: number) {
  const cpu = serverCpuMs === null ? '' : `server CPU ${serverCpuMs.toFixed(1).padStart(6)} ms`;
  console.log(
    `${label.padEnd(58)} ${p95Ms.toFixed(1).padStart(8)} ms   ${cpu}   target ≤ ${targetMs} ms   ratio ${(p95Ms / targetMs).toFixed(2)} ${p95Ms <= targetMs ? 'ok' : 'MISSED'}`,
  );
}

async function p95(read: () => Promise<unknown>): Promise<Measured> {
  await read(); // warm the plan cache and the connection pool
  const times: number[] = [];
  let serverCpuMs: number | null = 0;
  for (let index = 0; index < samples; index++) {
    const { wallMs, serverCpuMs: cpu } = await timed(db, read);
    times.push(wallMs);
    serverCpuMs = serverCpuMs === null || cpu === null ? null : serverCpuMs + cpu / samples;
  }
  return { p95Ms: percentile(times, 95), serverCpuMs };
}

const database = await createTestDatabase();
const db = singleConnectionDb(database.url);
try {
  let started = performance.now();
  const small = await seedHistory(db, { runs: 1_000, historyRuns: 1_000, results: 20_000, tests }, 'small');
  const smallActor = { userId: small.userId };
  console.log(`seeded a team with 1,000 runs and ${tests * 2} summarised tests in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  const smallFlaky = await p95(() => listFlakiestTests(db, smallActor, 'small', {}));

  started = performance.now();
  const seed = await seedHistory(db, { runs, historyRuns: 1_000, results, tests }, 'large');
  const storedResults = await db.result.count({ where: { teamId: seed.teamId } });
  console.log(
    `seeded a team with ${runs.toLocaleString('en')} runs and ${storedResults.toLocaleString('en')} stored results in ${((performance.now() - started) / 1000).toFixed(1)} s`,
  );
  const actor = { userId: seed.userId };

  line(
    'test history, 1,000 runs (p95)',
    await p95(() => getTestHistory(db, actor, 'large', { test: seed.historyTest, platform: seed.platform, limit: '1000' })),
    targets.historyP95Ms,
  );
  line(
    'test history, first 200 of 1,000 runs (p95)',
    await p95(() => getTestHistory(db, actor, 'large', { test: seed.historyTest, platform: seed.platform })),
    targets.historyP95Ms,
  );

  const filters: [string, Record<string, string>][] = [
    ['no filter', {}],
    ['repo', { repo: 'suite' }],
    ['plan', { plan: '/plans/p7' }],
    ['ref', { ref: 'feature-x' }],
    [
      'commit prefix',
      { commit: (await db.run.findFirstOrThrow({ where: { teamId: seed.teamId, number: 50_000 % runs || 1 } })).commit!.slice(0, 8) },
    ],
    ['platform (common)', { platform: 'debian-12' }],
    ['platform (1 run in 5,000)', { platform: 'centos-10' }],
    ['status', { status: 'error' }],
    ['status (none match)', { status: 'running' }],
    ['started by', { by: seed.userId }],
    [
      'date range (a day, long ago)',
      {
        from: new Date(Date.now() - 60 * 86_400_000).toISOString().slice(0, 10),
        to: new Date(Date.now() - 60 * 86_400_000).toISOString().slice(0, 10),
      },
    ],
    ['test name search (common)', { test: 'case-42' }],
    ['test name search (one test, latest 1,000 runs)', { test: 'history/login' }],
    ['all of plan + ref + status', { plan: '/plans/p3', ref: 'main', status: 'passed' }],
  ];
  for (const [label, filter] of filters) {
    line(`runs index first page, ${label} (p95)`, await p95(() => listRunsIndex(db, actor, 'large', filter)), targets.indexFirstPageMs);
  }
  const deep = await listRunsIndex(db, actor, 'large', { after: String(Math.floor(runs / 2)) });
  line(
    'runs index, a page halfway down (p95)',
    await p95(() => listRunsIndex(db, actor, 'large', { after: String(deep.runs[0]!.number) })),
    targets.indexFirstPageMs,
  );

  const largeFlaky = await p95(() => listFlakiestTests(db, actor, 'large', {}));
  line('flakiest tests, team with 20,000 stored results (p95)', smallFlaky, targets.flakinessMs);
  line(`flakiest tests, team with ${storedResults.toLocaleString('en')} stored results (p95)`, largeFlaky, targets.flakinessMs);
  console.log(
    `flakiness read time ratio, ${storedResults.toLocaleString('en')} vs 20,000 results: ${(largeFlaky.p95Ms / smallFlaky.p95Ms).toFixed(2)} (it reads the ${(tests * 2).toLocaleString('en')}-row summary, not the results)`,
  );
  console.log(`load average ${loadavg()[0]!.toFixed(1)} on ${cpus().length} cores at the end`);
} finally {
  await db.$disconnect();
  await database.drop();
}
