// npm run bench:ingest — results per second stored in PostgreSQL by the
// Postgres aggregator, 100 sub-results per test (plus the test's own result
// and one uploaded file each), several attempts ingested at once as remotes
// finishing together would. Uses BENCH_DATABASE_URL or a fresh embedded database.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { FolderArtifactStore } from '../lib/server/artifacts/store';
import { createDb } from '../lib/server/db/client';
import { PostgresAggregator } from '../worker/aggregator';
import { createTestDatabase } from '../tests/support/test-database';

const tests = Number(process.env.BENCH_TESTS ?? 400);
const subResults = 100;
const parallel = Number(process.env.BENCH_PARALLEL ?? 8);
const target = 5_000;

async function writeAttempt(dir: string, index: number): Promise<void> {
  await mkdir(path.join(dir, 'files', 'sub0'), { recursive: true });
  const lines = Array.from({ length: subResults }, (_, sub) =>
    JSON.stringify({
      status: sub % 10 === 0 ? 'fail' : 'pass',
      name: `sub${sub}`,
      note: `check ${sub} of test ${index}`,
      ...(sub === 0 ? { files: ['log.txt'] } : {}),
    }),
  );
  lines.push(JSON.stringify({ status: 'fail', files: ['output.txt'] }));
  await writeFile(path.join(dir, 'results'), lines.join('\n') + '\n');
  await writeFile(path.join(dir, 'files', 'output.txt'), `output of test ${index}\n`.repeat(50));
  await writeFile(path.join(dir, 'files', 'sub0', 'log.txt'), 'sub-result log\n');
}

const database = process.env.BENCH_DATABASE_URL
  ? { url: process.env.BENCH_DATABASE_URL, drop: async () => {} }
  : await createTestDatabase();
const db = createDb(database.url);
const work = await mkdtemp(path.join(tmpdir(), 'testyard-bench-ingest-'));
try {
  const suffix = `${Date.now()}`;
  const team = await db.team.create({ data: { slug: `bench-${suffix}`, name: 'bench' } });
  const run = await db.run.create({ data: { teamId: team.id, number: 1, plan: '/plans/bench' } });
  // Held by a worker, as in a real run: each ingest checks that it still holds the platform.
  const runPlatform = await db.runPlatform.create({
    data: { runId: run.id, name: 'bench', spec: {}, status: 'running', workerId: 'bench-worker' },
  });
  const held = { runId: run.id, runPlatformId: runPlatform.id, teamId: team.id, workerId: 'bench-worker' };
  const aggregator = new PostgresAggregator(db, new FolderArtifactStore(path.join(work, 'store')), held);

  const dirs = Array.from({ length: tests }, (_, index) => path.join(work, 'attempts', String(index)));
  await Promise.all(dirs.map((dir, index) => writeAttempt(dir, index)));
  // Warm up connections and prepared statements outside the measurement.
  await db.$queryRaw`SELECT 1`;

  const started = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: parallel }, async () => {
      while (next < tests) {
        const index = next++;
        const now = new Date();
        await aggregator.ingest({
          testName: `/bench/test-${index}`,
          attempt: 1,
          remoteId: 'bench',
          artifactsDir: dirs[index]!,
          exitCode: 1,
          exception: null,
          startedAt: now,
          finishedAt: now,
          rerunReason: null,
        });
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  const stored = await db.result.count({ where: { runId: run.id } });
  const expected = tests * (subResults + 1);
  if (stored !== expected) throw new Error(`stored ${stored} results, expected ${expected}`);
  const perSecond = stored / seconds;
  console.log(`ingest: ${tests} tests × ${subResults + 1} results, ${parallel} at once: ${stored} results in ${seconds.toFixed(2)} s`);
  console.log(
    `ingest: ${Math.round(perSecond)} results/s (${Math.round(tests / seconds)} attempts/s); target ≥ ${target} results/s: ${perSecond >= target ? 'met' : 'NOT met'}`,
  );
} finally {
  await db.$disconnect();
  await database.drop();
  await rm(work, { recursive: true, force: true });
}
