import { z } from 'zod';
import type { Actor } from '../access/actor';
import type { Db } from '../db/client';
import { Prisma } from '../../generated/prisma/client';
import { flakinessFlag, type FlakinessFlag } from '../../shared/flakiness';
import { invalid } from '../errors';
import { containsPattern } from '../db/like-pattern';
import { findTeamRun } from '../runs/lookup';
import { parseInput, textProblem } from '../validation';
import { runFailures, triageOf } from '../triage/triage';
import { failureStatuses, triageStates, type ResultTriage } from '../../shared/triage';

/** One test's final result on one platform: a row of the run page's table. */
export interface ResultRow {
  id: string;
  platform: string;
  testName: string;
  status: string;
  note: string | null;
  attempt: number;
  /** Results of the test's final attempt beyond its own: sub-results. */
  subResults: number;
  /** How a failure (or a result a known issue labels) stands; null for other results. */
  triage: ResultTriage | null;
  /** Flaky events of this test on this platform in its last runs (lib/shared/flakiness.ts); null before its first stored run. */
  flaky: FlakinessFlag | null;
}

export interface ResultPage {
  /** How many rows match the filters, over every page. */
  total: number;
  rows: ResultRow[];
  /** Pass as `after` for the next page; null on the last one. */
  next: string | null;
}

const commaList = z
  .string()
  .transform((value) =>
    value
      .split(',')
      .map((item) => item.trim())
      .filter(Boolean),
  )
  .pipe(z.array(z.string().min(1).max(100)).max(20));

export const resultFilters = z.object({
  status: commaList.optional(),
  platform: commaList.optional(),
  /** A substring of the test name, case-insensitive. */
  name: z.string().max(500).optional(),
  /** Failures in these triage states. */
  triage: commaList.pipe(z.array(z.enum(triageStates))).optional(),
});
export type ResultFilters = z.infer<typeof resultFilters>;

const pageQuery = resultFilters.extend({
  after: z.string().max(2000).optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(200),
});

/** Keyset cursor: the last row's (testName, id), the table's order. */
interface Cursor {
  testName: string;
  id: bigint;
}

function encodeCursor(cursor: Cursor): string {
  return Buffer.from(JSON.stringify([cursor.testName, cursor.id.toString()])).toString('base64url');
}

function decodeCursor(text: string): Cursor {
  try {
    const [testName, id] = JSON.parse(Buffer.from(text, 'base64url').toString()) as unknown[];
    // the id is a PostgreSQL bigint, the name text (no NUL)
    if (
      typeof testName === 'string' &&
      !textProblem(testName) &&
      typeof id === 'string' &&
      /^\d{1,19}$/.test(id) &&
      BigInt(id) <= 2n ** 63n - 1n
    ) {
      return { testName, id: BigInt(id) };
    }
  } catch {
    // reported below
  }
  throw invalid('invalid query: after: not a cursor from this API', [{ path: 'after', message: 'not a cursor from this API' }]);
}

/**
 * A page of a run's final test results (viewer), ordered by test name,
 * filtered by status, platform and name. Pages are keyset-paginated over the
 * Result indexes that start with (runId, superseded, …, testName), so the
 * 500th page costs what the first does.
 */
export async function listResults(
  db: Db,
  actor: Actor,
  teamSlug: string,
  runRef: string,
  query: Record<string, string>,
): Promise<ResultPage> {
  const run = await findTeamRun(db, actor, teamSlug, runRef, 'viewer');
  const { after, limit, ...filters } = parseInput(pageQuery, query, 'query');
  const where = await filterSql(db, run, filters);
  const cursor = after ? decodeCursor(after) : null;
  const keyset = cursor ? Prisma.sql`AND (r."testName", r."id") > (${cursor.testName}, ${cursor.id})` : Prisma.empty;
  const [rows, [counted]] = await Promise.all([
    db.$queryRaw<
      {
        id: bigint;
        platform: string;
        testName: string;
        status: string;
        note: string | null;
        attempt: number;
        subResults: number;
        recent: string | null;
      }[]
    >`
      SELECT r."id", p."name" AS "platform", r."testName", r."status", r."note", a."number" AS "attempt",
             (SELECT count(*)::int FROM "Result" s WHERE s."attemptId" = r."attemptId" AND s."name" IS NOT NULL) AS "subResults",
             f."recent"
      FROM "Result" r
      JOIN "RunPlatform" p ON p."id" = r."runPlatformId"
      JOIN "Attempt" a ON a."id" = r."attemptId"
      LEFT JOIN "TestFlakiness" f ON f."teamId" = r."teamId" AND f."platform" = p."name" AND f."testName" = r."testName"
      WHERE ${where} ${keyset}
      ORDER BY r."testName", r."id"
      LIMIT ${limit + 1}`,
    db.$queryRaw<{ total: number }[]>`SELECT count(*)::int AS "total" FROM "Result" r WHERE ${where}`,
  ]);
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  const triaged = await triageOf(db, run, page);
  return {
    total: counted?.total ?? 0,
    rows: page.map(({ recent, ...row }) => {
      const triage = triaged.get(row.id)!;
      const shown = failureStatuses.includes(row.status) || triage.knownIssues.length > 0;
      return { ...row, id: row.id.toString(), triage: shown ? triage : null, flaky: recent ? flakinessFlag(recent) : null };
    }),
    next: rows.length > limit && last ? encodeCursor({ testName: last.testName, id: last.id }) : null,
  };
}

async function filterSql(db: Db, run: { id: string; teamId: string }, filters: ResultFilters): Promise<Prisma.Sql> {
  const runId = run.id;
  const parts = [Prisma.sql`r."runId" = ${runId} AND r."superseded" = false AND r."name" IS NULL`];
  if (filters.status?.length) parts.push(Prisma.sql`r."status" IN (${Prisma.join(filters.status)})`);
  if (filters.platform?.length) {
    // Platform names resolved to ids first, so the (runId, runPlatformId, superseded, testName) index applies.
    const platforms = await db.runPlatform.findMany({ where: { runId, name: { in: filters.platform } }, select: { id: true } });
    parts.push(
      platforms.length ? Prisma.sql`r."runPlatformId" IN (${Prisma.join(platforms.map((platform) => platform.id))})` : Prisma.sql`false`,
    );
  }
  if (filters.triage?.length) {
    const wanted = new Set<string>(filters.triage);
    const ids = (await runFailures(db, run))
      .filter((failure) => wanted.has(failure.triage.state))
      .map((failure) => BigInt(failure.resultId));
    parts.push(ids.length ? Prisma.sql`r."id" IN (${Prisma.join(ids)})` : Prisma.sql`false`);
  }
  if (filters.name) parts.push(Prisma.sql`r."testName" ILIKE ${containsPattern(filters.name)}`);
  return Prisma.join(parts, ' AND ');
}
