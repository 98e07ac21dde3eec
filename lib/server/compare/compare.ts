import { z } from 'zod';
import type { Actor } from '../access/actor';
import type { Db } from '../db/client';
import { Prisma } from '../../generated/prisma/client';
import { invalid, notFound } from '../errors';
import { findTeamRun } from '../runs/lookup';
import { parseInput, textProblem } from '../validation';
import {
  compareLists,
  durationRegression,
  emptyCounts,
  failingStatuses,
  type CompareList,
  type ComparePage,
  type CompareRow,
  type RunComparison,
} from '../../shared/run-compare';

/** Prisma's defaults (5 s) are for short writes; a comparison of large runs on a busy server may take longer. */
const compareTransaction = { maxWait: 10_000, timeout: 120_000 };

const runRef = z.string().regex(/^[\w-]{1,64}$/, 'a run number or id');

const compareQuery = z.object({
  base: runRef.optional(),
  list: z.enum(compareLists).optional(),
  after: z.string().max(2000).optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
});

interface RunInfo {
  id: string;
  teamId: string;
  number: number;
  status: string;
  plan: string;
  repoId: string | null;
  repoUrl: string | null;
  createdAt: Date;
}

const runInfoSelect = { id: true, teamId: true, number: true, status: true, plan: true, repoId: true, repoUrl: true, createdAt: true };

/**
 * Compares a run (head) with a base run (viewer): the default base is the
 * previous run of the same repository and plan. Tests are matched by
 * (platform name, test name) over both runs' final results (not superseded,
 * the test's own result); counts per platform, and one page of each list.
 * It is all one SQL statement (a FULL OUTER JOIN aggregated on the server),
 * so its memory does not grow with the runs.
 */
export async function compareRuns(
  db: Db,
  actor: Actor,
  teamSlug: string,
  headRef: string,
  query: Record<string, string>,
): Promise<RunComparison> {
  const { base: baseRef, list, after, limit } = parseInput(compareQuery, query, 'query');
  if (after !== undefined && list === undefined) {
    throw invalid('invalid query: after: needs list, the list it pages', [{ path: 'after', message: 'needs list' }]);
  }
  const cursor = after === undefined ? null : decodeCursor(after);
  const head = await findRun(db, actor, teamSlug, headRef);
  const base = baseRef === undefined ? await previousRun(db, head) : await findRun(db, actor, teamSlug, baseRef);
  if (base.id === head.id) throw invalid('invalid query: base: is the run itself', [{ path: 'base', message: 'is the run itself' }]);

  const lists = list ? [list] : compareLists;
  const [row] = await db.$transaction(async (tx) => {
    // The joins' hash tables fit in memory instead of spilling to disk in batches: bounded, per query, on the server.
    await tx.$executeRaw`SET LOCAL work_mem = '64MB'`;
    return tx.$queryRaw<({ summary: SummaryRow[] | null } & Record<string, RawRow[] | null>)[]>`
      WITH pairs AS MATERIALIZED (${pairsSql(head.id, base.id)}),
           "baseSignatures" AS MATERIALIZED (
             SELECT DISTINCT "signature" FROM "Result"
             WHERE "runId" = ${base.id} AND "superseded" = false AND "status" IN (${Prisma.join(failingStatuses)})
               AND "signature" IS NOT NULL)
      SELECT (SELECT json_agg(s) FROM (
                SELECT "platform", "change", count(*)::int AS "count", (count(*) FILTER (WHERE "slower"))::int AS "slower"
                FROM pairs GROUP BY "platform", "change") s) AS "summary",
             ${Prisma.join(
               lists.map((name) => Prisma.sql`(${listSql(name, cursor, limit, head)}) AS ${Prisma.raw(`"${name}"`)}`),
               ', ',
             )}`;
  }, compareTransaction);
  const comparison: RunComparison = {
    head: describe(head),
    base: describe(base),
    durationRegression,
    platforms: [],
    total: emptyCounts(),
    lists: {},
  };
  const byPlatform = new Map<string, RunComparison['total']>();
  for (const { platform, change, count, slower } of row?.summary ?? []) {
    const counts = byPlatform.get(platform) ?? emptyCounts();
    byPlatform.set(platform, counts);
    counts[change] += count;
    counts.slower += slower;
    comparison.total[change] += count;
    comparison.total.slower += slower;
  }
  comparison.platforms = [...byPlatform].sort(([a], [b]) => a.localeCompare(b)).map(([platform, counts]) => ({ platform, counts }));
  for (const name of lists) comparison.lists[name] = toPage(row?.[name] ?? [], limit);
  return comparison;
}

/** The run a comparison without `base` compares with. */
export async function previousRun(db: Db, head: RunInfo): Promise<RunInfo> {
  const sameRepo = head.repoId !== null ? { repoId: head.repoId } : { repoId: null, repoUrl: head.repoUrl };
  const previous = await db.run.findFirst({
    where: { teamId: head.teamId, plan: head.plan, number: { lt: head.number }, ...sameRepo },
    orderBy: { number: 'desc' },
    select: runInfoSelect,
  });
  if (!previous) throw notFound('an earlier run of the same repository and plan (pass base to compare with another run)');
  return previous;
}

export async function findRun(db: Db, actor: Actor, teamSlug: string, ref: string): Promise<RunInfo> {
  const { id } = await findTeamRun(db, actor, teamSlug, ref, 'viewer');
  return db.run.findUniqueOrThrow({ where: { id }, select: runInfoSelect });
}

function describe(run: RunInfo): RunComparison['head'] {
  return { number: run.number, status: run.status, plan: run.plan, createdAt: run.createdAt.toISOString() };
}

interface SummaryRow {
  platform: string;
  change: CompareList | 'unchanged';
  count: number;
  slower: number;
}

type RawRow = CompareRow;

function finalResultsSql(runId: string): Prisma.Sql {
  return Prisma.sql`
    SELECT p."name" AS "platform", r."testName", r."status", r."signature",
           r."status" IN (${Prisma.join(failingStatuses)}) AS "failing",
           r."durationMs" / 1000.0::float8 AS "seconds"
    FROM "Result" r
    JOIN "RunPlatform" p ON p."id" = r."runPlatformId"
    WHERE r."runId" = ${runId} AND r."superseded" = false AND r."name" IS NULL`;
}

/** Columns only the lists need: left null for unchanged tests, so the materialised join stays narrow. */
const listColumns = ['testName', 'baseStatus', 'headStatus', 'baseSeconds', 'headSeconds', 'signature'];

function pairsSql(headId: string, baseId: string): Prisma.Sql {
  return Prisma.sql`
    SELECT "platform", "change", "slower",
           ${Prisma.raw(listColumns.map((column) => `CASE WHEN "change" <> 'unchanged' OR "slower" THEN "${column}" END AS "${column}"`).join(', '))}
    FROM (
      SELECT COALESCE(h."platform", b."platform") AS "platform", COALESCE(h."testName", b."testName") AS "testName",
             b."status" AS "baseStatus", h."status" AS "headStatus", b."seconds" AS "baseSeconds", h."seconds" AS "headSeconds",
             h."signature",
             CASE WHEN b."status" IS NULL THEN 'new-tests'
                  WHEN h."status" IS NULL THEN 'missing'
                  WHEN h."failing" AND b."failing" THEN 'still-failing'
                  WHEN h."failing" THEN 'new-failures'
                  WHEN b."failing" THEN 'fixed'
                  ELSE 'unchanged' END AS "change",
             COALESCE(h."seconds" >= b."seconds" * ${durationRegression.ratio}
                      AND h."seconds" - b."seconds" >= ${durationRegression.minSeconds}, false) AS "slower"
      FROM (${finalResultsSql(headId)}) h
      FULL OUTER JOIN (${finalResultsSql(baseId)}) b ON b."platform" = h."platform" AND b."testName" = h."testName"
    ) joined`;
}

/** One page of a list as a JSON array, with whether each failure's signature was seen in the base run and before. */
function listSql(name: CompareList, cursor: Cursor | null, limit: number, head: RunInfo): Prisma.Sql {
  const where = name === 'slower' ? Prisma.sql`"slower"` : Prisma.sql`"change" = ${name}`;
  const keyset = cursor ? Prisma.sql`AND ("testName", "platform") > (${cursor.testName}, ${cursor.platform})` : Prisma.empty;
  return Prisma.sql`
    SELECT json_agg(l ORDER BY l."testName", l."platform") FROM (
      SELECT page."platform", page."testName", page."baseStatus", page."headStatus", page."baseSeconds", page."headSeconds",
             page."signature",
             CASE WHEN page."signature" IS NULL THEN NULL
                  ELSE page."signature" IN (SELECT "signature" FROM "baseSignatures") END AS "signatureInBase",
             CASE WHEN page."signature" IS NULL THEN NULL ELSE EXISTS (
               SELECT 1 FROM "Result" x
               WHERE x."teamId" = ${head.teamId} AND x."signature" = page."signature" AND x."createdAt" < ${head.createdAt}
                 AND x."runId" <> ${head.id})
             END AS "signatureSeenBefore"
      FROM (SELECT * FROM pairs WHERE ${where} ${keyset} ORDER BY "testName", "platform" LIMIT ${limit + 1}) page
    ) l`;
}

function toPage(rows: RawRow[], limit: number): ComparePage {
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  return { rows: page, next: rows.length > limit && last ? encodeCursor({ testName: last.testName, platform: last.platform }) : null };
}

/** Keyset cursor: the last row's (testName, platform), the lists' order. */
interface Cursor {
  testName: string;
  platform: string;
}

function encodeCursor(cursor: Cursor): string {
  return Buffer.from(JSON.stringify([cursor.testName, cursor.platform])).toString('base64url');
}

function decodeCursor(text: string): Cursor {
  try {
    const [testName, platform] = JSON.parse(Buffer.from(text, 'base64url').toString()) as unknown[];
    if (typeof testName === 'string' && typeof platform === 'string' && !textProblem(testName) && !textProblem(platform)) {
      return { testName, platform };
    }
  } catch {
    // reported below
  }
  throw invalid('invalid query: after: not a cursor from this API', [{ path: 'after', message: 'not a cursor from this API' }]);
}
