import { z } from 'zod';
import type { Actor } from '../access/actor';
import { requireTeamRole } from '../access/team-access';
import type { Db } from '../db/client';
import { Prisma } from '../../generated/prisma/client';
import { flakinessFlag, outcomeLetter, type FlakinessFlag } from '../../shared/flakiness';
import { parseInput } from '../validation';

export const testHistoryQuery = z.object({
  test: z.string().min(1).max(1000),
  platform: z.string().min(1).max(200),
  /** A run number from the previous page's `next`: runs older than it. */
  before: z.coerce.number().int().min(1).max(2_147_483_647).optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(200),
});

export interface HistoryAttempt {
  number: number;
  /** The attempt's own result; null when it stored none (e.g. it never finished). */
  status: string | null;
  exception: string | null;
  superseded: boolean;
  durationMs: number | null;
}

export interface HistoryRun {
  runId: string;
  number: number;
  commit: string | null;
  ref: string | null;
  createdAt: Date;
  /**
   * The run's verdict on the test: its final attempt's status, except
   * `flaky` when it failed first and passed on a rerun in the same run.
   */
  outcome: string;
  /** The final attempt's duration. */
  durationMs: number | null;
  /** Every attempt in order; more than one means reruns. */
  attempts: HistoryAttempt[];
}

export interface TestHistory {
  test: string;
  platform: string;
  /** From the maintained summary; null when no run of it finished yet. */
  flakiness: (FlakinessFlag & { runs: number; flakyTotal: number }) | null;
  /** Newest first. */
  runs: HistoryRun[];
  /** Pass as `before` for older runs; null when there are none. */
  next: number | null;
}

interface AttemptRow {
  runId: string;
  number: number;
  commit: string | null;
  ref: string | null;
  createdAt: Date;
  attempt: number;
  status: string | null;
  exception: string | null;
  superseded: boolean;
  durationMs: number | null;
}

/**
 * One test on one platform across the team's runs (viewer): per run its
 * attempts (reruns included), the commit it ran at and how long it took.
 */
export async function getTestHistory(db: Db, actor: Actor, teamSlug: string, input: Record<string, string>): Promise<TestHistory> {
  const { team } = await requireTeamRole(db, actor, teamSlug, 'viewer');
  const query = parseInput(testHistoryQuery, input, 'query');
  const [rows, summary] = await Promise.all([
    historyRows(db, team.id, query.test, query.platform, query.before),
    db.testFlakiness.findUnique({
      where: { teamId_platform_testName: { teamId: team.id, platform: query.platform, testName: query.test } },
      select: { recent: true, runs: true, flakyTotal: true },
    }),
  ]);
  const runs = groupRuns(rows, query.limit + 1);
  const page = runs.slice(0, query.limit);
  return {
    test: query.test,
    platform: query.platform,
    flakiness: summary ? { ...flakinessFlag(summary.recent), runs: summary.runs, flakyTotal: summary.flakyTotal } : null,
    runs: page,
    next: runs.length > query.limit ? (page.at(-1)?.number ?? null) : null,
  };
}

/**
 * The test's own results on the platform, newest run first, each with its
 * attempt and run. Looked up step by step by primary key from the Result
 * index on (teamId, testName): joined in one statement, the planner may hash
 * whole Attempt and Run tables for what is a few thousand rows.
 */
async function historyRows(db: Db, teamId: string, test: string, platform: string, before: number | undefined): Promise<AttemptRow[]> {
  const results = await db.$queryRaw<{ runId: string; runPlatformId: string; attemptId: string; status: string }[]>`
    SELECT "runId", "runPlatformId", "attemptId", "status" FROM "Result"
    WHERE "teamId" = ${teamId} AND "testName" = ${test} AND "name" IS NULL
    ORDER BY "id"`;
  if (results.length === 0) return [];
  const [platforms, attempts, runs] = await Promise.all([
    db.$queryRaw<{ id: string }[]>`
      SELECT "id" FROM "RunPlatform" WHERE "id" = ANY(${[...new Set(results.map((row) => row.runPlatformId))]}::text[]) AND "name" = ${platform}`,
    db.$queryRaw<{ id: string; number: number; exception: string | null; superseded: boolean; durationMs: number | null }[]>`
      SELECT "id", "number", "exception", "superseded", (extract(epoch FROM "finishedAt" - "startedAt") * 1000)::float8 AS "durationMs"
      FROM "Attempt" WHERE "id" = ANY(${[...new Set(results.map((row) => row.attemptId))]}::text[])`,
    db.$queryRaw<{ id: string; number: number; commit: string | null; ref: string | null; createdAt: Date }[]>`
      SELECT "id", "number", "commit", "ref", "createdAt" FROM "Run"
      WHERE "id" = ANY(${[...new Set(results.map((row) => row.runId))]}::text[]) ${before === undefined ? Prisma.empty : Prisma.sql`AND "number" < ${before}`}`,
  ]);
  const onPlatform = new Set(platforms.map((row) => row.id));
  const attemptById = new Map(attempts.map((row) => [row.id, row]));
  const runById = new Map(runs.map((row) => [row.id, row]));
  return results
    .flatMap((result) => {
      const attempt = attemptById.get(result.attemptId);
      const run = runById.get(result.runId);
      if (!onPlatform.has(result.runPlatformId) || !attempt || !run) return [];
      const { id: runId, ...runFields } = run;
      const { id: _attemptId, number: attemptNumber, ...attemptFields } = attempt;
      return [{ runId, ...runFields, attempt: attemptNumber, status: result.status, ...attemptFields }];
    })
    .sort((a, b) => b.number - a.number || a.attempt - b.attempt);
}

/** At most `limit` runs, newest first. */
function groupRuns(rows: readonly AttemptRow[], limit: number): HistoryRun[] {
  const runs: HistoryRun[] = [];
  for (const row of rows) {
    let run = runs.at(-1);
    if (run?.runId !== row.runId) {
      if (runs.length === limit) break;
      run = {
        runId: row.runId,
        number: row.number,
        commit: row.commit,
        ref: row.ref,
        createdAt: row.createdAt,
        outcome: '',
        durationMs: null,
        attempts: [],
      };
      runs.push(run);
    }
    // A results file may hold several own lines; the last one stands.
    const attempt = {
      number: row.attempt,
      status: row.status,
      exception: row.exception,
      superseded: row.superseded,
      durationMs: row.durationMs,
    };
    if (run.attempts.at(-1)?.number === row.attempt) run.attempts[run.attempts.length - 1] = attempt;
    else run.attempts.push(attempt);
  }
  for (const run of runs) {
    const final = run.attempts.findLast((attempt) => !attempt.superseded) ?? run.attempts.at(-1)!;
    const failedBefore = run.attempts.some((attempt) => attempt.superseded && attempt.exception === null && attempt.number < final.number);
    const letter = outcomeLetter(final.status ?? 'error', final.exception !== null);
    run.outcome = letter === 'p' && failedBefore ? 'flaky' : (final.status ?? 'error');
    run.durationMs = final.durationMs;
  }
  return runs;
}
