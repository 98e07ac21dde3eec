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
 * It is all one SQL statement on the server, so its memory does not grow
 * with the runs: per platform, a merge join of two scans of the final
 * results' covering index, both already in test-name order. Only the pairs
 * that may have changed (a side missing, not passed on a side, or slower)
 * are kept; the unchanged ones are counted from the head's final results.
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
    // The kept pairs and the lists' sorts stay in memory up to this, and spill to disk beyond: bounded, per query, on the server.
    await tx.$executeRaw`SET LOCAL work_mem = '64MB'`;
    return tx.$queryRaw<({ summary: SummaryRow[] | null; headTests: HeadTestsRow[] | null } & Record<string, RawRow[] | null>)[]>`
      WITH platforms AS MATERIALIZED (${platformsSql(head.id, base.id)}),
           pairs AS MATERIALIZED (${changedPairsSql()}),
           -- every failure of the base run is in pairs (a pair that did not pass on a side may have changed)
           "baseSignatures" AS MATERIALIZED (
             SELECT DISTINCT "baseSignature" AS "signature" FROM pairs
             WHERE "baseStatus" IN (${Prisma.join(failingStatuses)}) AND "baseSignature" IS NOT NULL)
      SELECT (SELECT json_agg(s) FROM (
                SELECT "platform", "change", count(*)::int AS "count", (count(*) FILTER (WHERE "slower"))::int AS "slower"
                FROM pairs GROUP BY "platform", "change") s) AS "summary",
             (SELECT json_agg(t) FROM (
                SELECT pl."platform", (SELECT count(*) FROM "Result" r WHERE r."runPlatformId" = pl."headId" AND ${finalResult('r')})::int AS "count"
                FROM platforms pl WHERE pl."headId" IS NOT NULL) t) AS "headTests",
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
  const countsOf = (platform: string) => byPlatform.get(platform) ?? byPlatform.set(platform, emptyCounts()).get(platform)!;
  // A head test is unchanged unless it is new or its outcome changed; the pairs kept as 'unchanged' (slower ones) are among them already.
  for (const { platform, count } of row?.headTests ?? []) if (count > 0) countsOf(platform).unchanged += count;
  for (const { platform, change, count, slower } of row?.summary ?? []) {
    const counts = countsOf(platform);
    counts.slower += slower;
    if (change === 'unchanged') continue;
    counts[change] += count;
    if (change !== 'missing') counts.unchanged -= count;
  }
  for (const counts of byPlatform.values()) {
    for (const name of [...compareLists, 'unchanged'] as const) comparison.total[name] += counts[name];
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

interface HeadTestsRow {
  platform: string;
  count: number;
}

type RawRow = CompareRow;

/** A test's own result in its final attempt: what a comparison matches; the partial index on Result covers exactly these. */
function finalResult(alias: string): Prisma.Sql {
  return Prisma.raw(`${alias}."superseded" = false AND ${alias}."name" IS NULL`);
}

/** The two runs' platforms matched by name, with each run's run platform (null where that run has none). */
function platformsSql(headId: string, baseId: string): Prisma.Sql {
  return Prisma.sql`
    SELECT COALESCE(h."name", b."name") AS "platform", h."id" AS "headId", b."id" AS "baseId"
    FROM (SELECT "id", "name" FROM "RunPlatform" WHERE "runId" = ${headId}) h
    FULL JOIN (SELECT "id", "name" FROM "RunPlatform" WHERE "runId" = ${baseId}) b ON b."name" = h."name"`;
}

/**
 * The pairs of final results that may have changed, per platform: the rest
 * (passed in both runs, not slower by the regression's minimum) is most of
 * a run and is only counted. Both sides come from the partial index in
 * test-name order, so the join is a merge without a sort or a hash table.
 */
function changedPairsSql(): Prisma.Sql {
  const side = (column: 'headId' | 'baseId') => Prisma.sql`
    SELECT r."testName", r."status", r."durationMs", r."signature" FROM "Result" r
    WHERE r."runPlatformId" = pl.${Prisma.raw(`"${column}"`)} AND ${finalResult('r')}`;
  const failing = (side: 'head' | 'base') => Prisma.sql`j.${Prisma.raw(`"${side}Status"`)} IN (${Prisma.join(failingStatuses)})`;
  const minMs = durationRegression.minSeconds * 1000;
  return Prisma.sql`
    SELECT pl."platform", COALESCE(j."headTest", j."baseTest") AS "testName", j."baseStatus", j."headStatus",
           j."baseMs" / 1000.0::float8 AS "baseSeconds", j."headMs" / 1000.0::float8 AS "headSeconds", j."signature", j."baseSignature",
           CASE WHEN j."baseTest" IS NULL THEN 'new-tests'
                WHEN j."headTest" IS NULL THEN 'missing'
                WHEN ${failing('head')} AND ${failing('base')} THEN 'still-failing'
                WHEN ${failing('head')} THEN 'new-failures'
                WHEN ${failing('base')} THEN 'fixed'
                ELSE 'unchanged' END AS "change",
           COALESCE(j."headMs" >= j."baseMs" * ${durationRegression.ratio}::float8 AND j."headMs" - j."baseMs" >= ${minMs}, false) AS "slower"
    FROM platforms pl
    CROSS JOIN LATERAL (
      SELECT h."testName" AS "headTest", h."status" AS "headStatus", h."durationMs" AS "headMs", h."signature",
             b."testName" AS "baseTest", b."status" AS "baseStatus", b."durationMs" AS "baseMs", b."signature" AS "baseSignature"
      FROM (${side('headId')}) h
      FULL JOIN (${side('baseId')}) b ON b."testName" = h."testName"
      WHERE h."testName" IS NULL OR b."testName" IS NULL OR h."status" <> 'pass' OR b."status" <> 'pass'
         OR h."durationMs" - b."durationMs" >= ${minMs}
    ) j`;
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
