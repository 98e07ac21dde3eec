import { z } from 'zod';
import type { Actor } from '../access/actor';
import { requireTeamRole } from '../access/team-access';
import type { Db } from '../db/client';
import { Prisma } from '../../generated/prisma/client';
import { parseInput } from '../validation';

export const chartsQuery = z.object({
  /** How many of the latest finished runs the charts cover. */
  runs: z.coerce.number().int().min(5).max(500).default(100),
});

export interface PassRatePoint {
  number: number;
  createdAt: Date;
  passed: number;
  total: number;
}

export interface RunDurationPoint {
  number: number;
  createdAt: Date;
  status: string;
  durationMs: number;
}

export interface DurationBin {
  /** Lower bound, inclusive; bins double in width. */
  fromMs: number;
  toMs: number;
  attempts: number;
}

export interface SlowTest {
  testName: string;
  platform: string;
  meanMs: number;
  maxMs: number;
  runs: number;
  /** The run of its slowest attempt. */
  slowestRunNumber: number;
}

export interface HistoryCharts {
  /** Per platform, oldest run first. */
  passRate: { platform: string; points: PassRatePoint[] }[];
  runDurations: RunDurationPoint[];
  durationBins: DurationBin[];
  slowestTests: SlowTest[];
}

/**
 * The numbers behind the team's charts (viewer), over its latest finished
 * runs: pass rate per platform per run, how long runs took, how test
 * durations spread, and the slowest tests.
 */
export async function getHistoryCharts(db: Db, actor: Actor, teamSlug: string, input: Record<string, string>): Promise<HistoryCharts> {
  const { team } = await requireTeamRole(db, actor, teamSlug, 'viewer');
  const { runs: count } = parseInput(chartsQuery, input, 'query');
  const runs = await db.$queryRaw<{ id: string; number: number; createdAt: Date; status: string; durationMs: number | null }[]>`
    SELECT "id", "number", "createdAt", "status"::text AS "status",
           (extract(epoch FROM "finishedAt" - "startedAt") * 1000)::float8 AS "durationMs"
    FROM "Run"
    WHERE "teamId" = ${team.id} AND "finishedAt" IS NOT NULL
    ORDER BY "number" DESC
    LIMIT ${count}`;
  if (runs.length === 0) return { passRate: [], runDurations: [], durationBins: [], slowestTests: [] };
  const runIds = Prisma.join(runs.map((run) => run.id));
  const [rates, durations, slowest] = await Promise.all([
    db.$queryRaw<{ runId: string; platform: string; passed: number; total: number }[]>`
      SELECT r."runId", p."name" AS "platform", count(*)::int AS "total", (count(*) FILTER (WHERE r."status" IN ('pass', 'info')))::int AS "passed"
      FROM "Result" r JOIN "RunPlatform" p ON p."id" = r."runPlatformId"
      WHERE r."runId" IN (${runIds}) AND r."superseded" = false AND r."name" IS NULL
      GROUP BY r."runId", p."name"`,
    // Bins double from 1 s: 0-1 s, 1-2 s, 2-4 s, …
    db.$queryRaw<{ bin: number; attempts: number }[]>`
      SELECT greatest(0, floor(log(2, greatest(extract(epoch FROM a."finishedAt" - a."startedAt"), 0.001))) + 1)::int AS "bin",
             count(*)::int AS "attempts"
      FROM "Attempt" a
      WHERE a."runId" IN (${runIds}) AND a."superseded" = false AND a."finishedAt" IS NOT NULL
      GROUP BY 1 ORDER BY 1`,
    db.$queryRaw<SlowTest[]>`
      SELECT a."testName", p."name" AS "platform",
             avg(extract(epoch FROM a."finishedAt" - a."startedAt") * 1000)::float8 AS "meanMs",
             max(extract(epoch FROM a."finishedAt" - a."startedAt") * 1000)::float8 AS "maxMs",
             count(*)::int AS "runs",
             (array_agg(run."number" ORDER BY a."finishedAt" - a."startedAt" DESC))[1] AS "slowestRunNumber"
      FROM "Attempt" a JOIN "RunPlatform" p ON p."id" = a."runPlatformId" JOIN "Run" run ON run."id" = a."runId"
      WHERE a."runId" IN (${runIds}) AND a."superseded" = false AND a."finishedAt" IS NOT NULL
      GROUP BY a."testName", p."name"
      ORDER BY 3 DESC
      LIMIT 10`,
  ]);
  const oldestFirst = runs.toReversed();
  const platforms = [...new Set(rates.map((rate) => rate.platform))].sort();
  return {
    passRate: platforms.map((platform) => ({
      platform,
      points: oldestFirst.flatMap((run) => {
        const rate = rates.find((row) => row.runId === run.id && row.platform === platform);
        return rate ? [{ number: run.number, createdAt: run.createdAt, passed: rate.passed, total: rate.total }] : [];
      }),
    })),
    runDurations: oldestFirst.flatMap((run) =>
      run.durationMs === null ? [] : [{ number: run.number, createdAt: run.createdAt, status: run.status, durationMs: run.durationMs }],
    ),
    durationBins: durations.map(({ bin, attempts }) => ({
      fromMs: bin === 0 ? 0 : 1000 * 2 ** (bin - 1),
      toMs: 1000 * 2 ** bin,
      attempts,
    })),
    slowestTests: slowest,
  };
}
