// A team with a long history, written straight into the database as the
// worker would leave it (runs, run platforms, attempts, results and the
// flakiness summary), in a few set-based statements: for `npm run
// bench:history` and for looking at the history pages at a realistic size.
import type { Db, Transaction } from '../lib/server/db/client';
import { flakinessWindow } from '../lib/shared/flakiness';

export interface HistorySeed {
  teamId: string;
  userId: string;
  /** The test with a result in each of the last `historyRuns` runs on `platform`. */
  historyTest: string;
  platform: string;
}

export interface HistorySeedSize {
  runs: number;
  /** Runs (the latest) in which historyTest ran, failing now and then and passing on a rerun now and then. */
  historyRuns: number;
  /** Results besides historyTest's, spread over the runs. */
  results: number;
  /** Distinct tests per platform in the flakiness summary. */
  tests: number;
}

const platforms = ['fedora-41', 'debian-12', 'centos-10'];

/**
 * Runs bulk inserts of rows that are consistent by construction without a
 * foreign-key check per row, which is most of their time at millions of
 * rows (BENCH_RESULTS=10000000). Only a superuser may skip them (the
 * embedded database's user); anyone else gets them checked.
 */
async function withoutForeignKeyChecks(db: Db, insert: (tx: Transaction) => Promise<void>): Promise<void> {
  await db.$transaction(
    async (tx) => {
      const [role] = await tx.$queryRaw<{ superuser: boolean }[]>`SELECT current_setting('is_superuser') = 'on' AS "superuser"`;
      if (role?.superuser) await tx.$executeRaw`SET LOCAL session_replication_role = replica`;
      await insert(tx);
    },
    { maxWait: 60_000, timeout: 4 * 3_600_000 },
  );
}

/** A team (and its owner) with `size.runs` runs on three platforms; returns what the benchmark asks about. */
export async function seedHistory(db: Db, size: HistorySeedSize, slug = `history-${Date.now()}`): Promise<HistorySeed> {
  const userId = `user-${slug}`;
  const teamId = `team-${slug}`;
  await db.user.create({ data: { id: userId, name: 'History Owner', email: `${slug}@example.com` } });
  await db.team.create({ data: { id: teamId, slug, name: 'History team' } });
  await db.membership.create({ data: { teamId, userId, role: 'owner' } });
  const repo = await db.testRepo.create({ data: { teamId, name: 'suite', url: 'https://example.com/suite.git' }, select: { id: true } });
  // Runs: a plan of 20, a ref of 5, a commit per 10 runs, statuses mostly passed; one a minute, the latest now.
  await db.$executeRaw`
    INSERT INTO "Run" ("id", "teamId", "number", "repoId", "repoUrl", "ref", "commit", "plan", "status", "createdById", "createdAt", "startedAt", "finishedAt")
    SELECT ${slug} || '-run-' || i, ${teamId}, i, ${repo.id}, 'https://example.com/suite.git',
           (ARRAY['main', 'main', 'main', 'release-1', 'feature-x'])[1 + i % 5], md5((i / 10)::text) || substr(md5('x' || (i / 10)::text), 1, 8),
           '/plans/p' || (i % 20), (ARRAY['passed', 'passed', 'passed', 'failed', 'error', 'cancelled'])[1 + (i * 7) % 6]::"RunStatus",
           CASE WHEN i % 3 = 0 THEN NULL ELSE ${userId} END,
           now() AT TIME ZONE 'UTC' - (${size.runs}::int - i) * interval '1 minute',
           now() AT TIME ZONE 'UTC' - (${size.runs}::int - i) * interval '1 minute' + interval '5 seconds',
           now() AT TIME ZONE 'UTC' - (${size.runs}::int - i) * interval '1 minute' + (30 + (i * 13) % 300) * interval '1 second'
    FROM generate_series(1, ${size.runs}::int) AS i`;
  // Two platforms per run; every 5000th run also on a rarely used one.
  await db.$executeRaw`
    INSERT INTO "RunPlatform" ("id", "runId", "name", "spec", "status")
    SELECT ${slug} || '-rp-' || i || '-' || p, ${slug} || '-run-' || i, (${platforms}::text[])[p], '{}', 'passed'
    FROM generate_series(1, ${size.runs}::int) AS i, generate_series(1, 2) AS p`;
  await db.$executeRaw`
    INSERT INTO "RunPlatform" ("id", "runId", "name", "spec", "status")
    SELECT ${slug} || '-rp-' || i || '-3', ${slug} || '-run-' || i, ${platforms[2]}, '{}', 'passed'
    FROM generate_series(5000, ${size.runs}::int, 5000) AS i`;
  const historyTest = '/tests/history/login';
  const platform = platforms[0]!;
  // historyTest: attempt 1 fails in one run of 9 (and passes on attempt 2); fails for good in one of 13.
  const first = size.runs - size.historyRuns + 1;
  await db.$executeRaw`
    INSERT INTO "Attempt" ("id", "runId", "runPlatformId", "testName", "number", "remote", "exitCode", "superseded", "rerunReason", "startedAt", "finishedAt")
    SELECT ${slug} || '-ha-' || i || '-' || a, ${slug} || '-run-' || i, ${slug} || '-rp-' || i || '-1', ${historyTest}, a, 'seeded',
           CASE WHEN a = 1 AND i % 9 = 0 THEN 1 WHEN i % 13 = 0 THEN 1 ELSE 0 END, a = 1 AND i % 9 = 0,
           CASE WHEN a = 1 AND i % 9 = 0 THEN 'exit code 1' END,
           now() AT TIME ZONE 'UTC' - (${size.runs}::int - i) * interval '1 minute',
           now() AT TIME ZONE 'UTC' - (${size.runs}::int - i) * interval '1 minute' + (2 + (i * 7) % 40) * interval '1 second'
    FROM generate_series(${first}::int, ${size.runs}::int) AS i, generate_series(1, 2) AS a
    WHERE a = 1 OR i % 9 = 0`;
  await db.$executeRaw`
    INSERT INTO "Result" ("runId", "runPlatformId", "attemptId", "teamId", "testName", "superseded", "name", "status", "line", "createdAt")
    SELECT a."runId", a."runPlatformId", a."id", ${teamId}, a."testName", a."superseded", NULL,
           CASE WHEN a."exitCode" = 0 THEN 'pass' ELSE 'fail' END, 0, a."finishedAt"
    FROM "Attempt" a WHERE a."id" LIKE ${`${slug}-ha-%`}`;
  // Everything else: `results` results over the runs, on both usual platforms, of `tests` distinct tests.
  // Test t runs on platform 1 + t % 2, the same tests the summary below holds; a test lands in a run at most once.
  await withoutForeignKeyChecks(db, async (tx) => {
    await tx.$executeRaw`
    INSERT INTO "Attempt" ("id", "runId", "runPlatformId", "testName", "number", "remote", "exitCode", "startedAt", "finishedAt")
    SELECT ${slug} || '-a-' || k, ${slug} || '-run-' || (1 + k % ${size.runs}::int), ${slug} || '-rp-' || (1 + k % ${size.runs}::int) || '-' || (1 + t % 2),
           '/tests/area-' || (t % 37) || '/case-' || t, 1, 'seeded', CASE WHEN k % 17 = 0 THEN 1 ELSE 0 END,
           now() AT TIME ZONE 'UTC', now() AT TIME ZONE 'UTC' + (k % 600) * interval '1 second'
    FROM generate_series(0, ${size.results - 1}::int) AS k, LATERAL (SELECT (((k / ${size.runs}::int)::bigint * 7919 + (k % ${size.runs}::int) * 31) % ${size.tests * 2}::int)::int AS t) test
    ON CONFLICT DO NOTHING`;
    await tx.$executeRaw`
    INSERT INTO "Result" ("runId", "runPlatformId", "attemptId", "teamId", "testName", "superseded", "name", "status", "line")
    SELECT a."runId", a."runPlatformId", a."id", ${teamId}, a."testName", false, NULL, CASE WHEN a."exitCode" = 0 THEN 'pass' ELSE 'fail' END, 0
    FROM "Attempt" a WHERE a."runId" LIKE ${`${slug}-run-%`} AND a."id" LIKE ${`${slug}-a-%`}`;
  });
  // The flakiness summary as the worker keeps it: `tests` tests per platform, a few of them flaky.
  await db.$executeRaw`
    INSERT INTO "TestFlakiness" ("teamId", "platform", "testName", "runs", "recent", "flakyRecent", "flakyTotal", "lastStatus", "lastCommit", "lastRunId", "lastRunNumber", "lastSeenAt")
    SELECT ${teamId}, (${platforms}::text[])[1 + t % 2], '/tests/area-' || (t % 37) || '/case-' || t, 100, recent, flaky, flaky * 3, 'pass', NULL,
           ${slug} || '-run-' || ${size.runs}::int, ${size.runs}::int, now() AT TIME ZONE 'UTC' - t * interval '1 second'
    FROM generate_series(0, ${size.tests * 2 - 1}::int) AS t,
         LATERAL (SELECT CASE WHEN t % 50 = 0 THEN (t / 50) % ${flakinessWindow}::int ELSE 0 END AS flaky) f,
         LATERAL (SELECT repeat('P', f.flaky) || repeat('p', ${flakinessWindow}::int - f.flaky) AS recent) r`;
  await db.$executeRaw`
    INSERT INTO "TestFlakiness" ("teamId", "platform", "testName", "runs", "recent", "flakyRecent", "flakyTotal", "lastStatus", "lastRunId", "lastRunNumber", "lastSeenAt")
    VALUES (${teamId}, ${platform}, ${historyTest}, ${size.historyRuns}::int, ${'ppppppppPppppfppppPppppppppPpp'}, 3, ${Math.floor(size.historyRuns / 9)}, 'pass',
            ${`${slug}-run-${size.runs}`}, ${size.runs}::int, now() AT TIME ZONE 'UTC')
    ON CONFLICT DO NOTHING`;
  await db.$executeRawUnsafe('ANALYZE');
  return { teamId, userId, historyTest, platform };
}
