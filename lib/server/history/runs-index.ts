import { z } from 'zod';
import type { Actor } from '../access/actor';
import { requireTeamRole } from '../access/team-access';
import type { Db } from '../db/client';
import { Prisma } from '../../generated/prisma/client';
import { parseInput } from '../validation';
import { containsPattern } from '../db/like-pattern';

const runStatuses = ['queued', 'running', 'passed', 'failed', 'error', 'cancelled'] as const;
const day = z.iso.date();

/** The runs index's filters: all optional, all in the page's URL. */
export const runsIndexQuery = z
  .object({
    repo: z.string().min(1).max(200).optional(),
    plan: z.string().min(1).max(1000).optional(),
    /** Branch or tag the run was started at (exact). */
    ref: z.string().min(1).max(500).optional(),
    /** The commit, or the start of its SHA (at least 4 hex digits). */
    commit: z
      .string()
      .regex(/^[0-9a-fA-F]{4,64}$/, 'not a commit SHA or its start (4 to 64 hex digits)')
      .optional(),
    platform: z.string().min(1).max(200).optional(),
    status: z
      .string()
      .transform((value) => value.split(',').filter(Boolean))
      .pipe(z.array(z.enum(runStatuses)).min(1).max(runStatuses.length))
      .optional(),
    /** Who started the run: a user id. */
    by: z.string().min(1).max(100).optional(),
    /** First and last day (UTC, inclusive) the run was created on. */
    from: day.optional(),
    to: day.optional(),
    /** Part of a test name: only runs that ran a matching test. */
    test: z.string().min(2).max(200).optional(),
    /** A run number from the previous page's `next`: runs older than it. */
    after: z.coerce.number().int().min(1).max(2_147_483_647).optional(),
    limit: z.coerce.number().int().min(1).max(200).default(50),
  })
  .refine((query) => !query.from || !query.to || query.from <= query.to, { path: ['to'], message: 'is before from' });
export type RunsIndexQuery = z.input<typeof runsIndexQuery>;

export interface RunsIndexRow {
  id: string;
  number: number;
  plan: string;
  status: string;
  repo: string | null;
  ref: string | null;
  commit: string | null;
  createdBy: { id: string; name: string } | null;
  platforms: string[];
  createdAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
  /** Final results of tests (not sub-results, not superseded attempts). */
  tests: { total: number; passed: number };
}

export interface RunsIndexPage {
  runs: RunsIndexRow[];
  /** Pass as `after` for the next page; null on the last one. */
  next: number | null;
  /** With `test`: the tests whose names match (first 20), to open their history. */
  matchingTests: { testName: string; platform: string }[];
}

/** Test names matched by `test` that the run filter looks for: enough for any real search, bounded for the query. */
const maxMatchedNames = 500;

/**
 * Up to this many stored results of the matched names (estimated from the
 * flakiness summary's run counts), their runs are collected first and the
 * page taken from them; beyond it, matching runs are common enough that
 * walking the runs newest first and probing each for a matched name finds a
 * page sooner.
 */
const collectRunsUpTo = 5_000;

/**
 * Every run of a team (viewer), newest first, keyset-paged by run number and
 * filtered by repository, plan, ref, commit, platform, status, who started it,
 * creation date and test name. Each filter has an index starting with
 * (teamId, …, number); test names are searched once in the team's distinct
 * test names (TestFlakiness, trigram index), then the runs that ran them are
 * found from whichever side is smaller (see collectRunsUpTo).
 */
export async function listRunsIndex(db: Db, actor: Actor, teamSlug: string, input: Record<string, string>): Promise<RunsIndexPage> {
  const { team } = await requireTeamRole(db, actor, teamSlug, 'viewer');
  const query = parseInput(runsIndexQuery, input, 'query');
  const parts = [Prisma.sql`r."teamId" = ${team.id}`];
  if (query.after !== undefined) parts.push(Prisma.sql`r."number" < ${query.after}`);
  if (query.repo) parts.push(Prisma.sql`r."repoId" = (SELECT "id" FROM "TestRepo" WHERE "teamId" = ${team.id} AND "name" = ${query.repo})`);
  if (query.plan) parts.push(Prisma.sql`r."plan" = ${query.plan}`);
  if (query.ref) parts.push(Prisma.sql`r."ref" = ${query.ref}`);
  if (query.commit) {
    // The range lets the (teamId, commit) index find the prefix whatever the database's collation.
    const prefix = query.commit.toLowerCase();
    parts.push(Prisma.sql`r."commit" >= ${prefix} AND r."commit" < ${`${prefix}g`} AND starts_with(r."commit", ${prefix})`);
  }
  // Compared as the enum, so the (teamId, status, number) index applies.
  if (query.status) parts.push(Prisma.sql`r."status" = ANY(${query.status}::"RunStatus"[])`);
  if (query.by) parts.push(Prisma.sql`r."createdById" = ${query.by}`);
  if (query.from) {
    const from = new Date(`${query.from}T00:00:00Z`);
    parts.push(Prisma.sql`r."createdAt" >= ${from}`, await numberBound(db, team.id, Prisma.sql`"createdAt" >= ${from}`, 'ASC', '>='));
  }
  if (query.to) {
    const until = new Date(Date.parse(`${query.to}T00:00:00Z`) + 86_400_000);
    parts.push(Prisma.sql`r."createdAt" < ${until}`, await numberBound(db, team.id, Prisma.sql`"createdAt" < ${until}`, 'DESC', '<='));
  }
  if (query.platform) {
    parts.push(Prisma.sql`EXISTS (SELECT 1 FROM "RunPlatform" p WHERE p."runId" = r."id" AND p."name" = ${query.platform})`);
  }
  let matchingTests: RunsIndexPage['matchingTests'] = [];
  if (query.test) {
    const names = await db.$queryRaw<{ testName: string; platforms: string[]; results: number }[]>`
      SELECT "testName", array_agg("platform" ORDER BY "platform") AS "platforms", sum("runs")::int AS "results"
      FROM "TestFlakiness" WHERE "teamId" = ${team.id} AND "testName" ILIKE ${containsPattern(query.test)}
      GROUP BY "testName" ORDER BY "testName" LIMIT ${maxMatchedNames}`;
    matchingTests = names.flatMap(({ testName, platforms }) => platforms.map((platform) => ({ testName, platform }))).slice(0, 20);
    const testNames = names.map((row) => row.testName);
    const results = names.reduce((sum, row) => sum + row.results, 0);
    if (testNames.length === 0) parts.push(Prisma.sql`false`);
    else if (results <= collectRunsUpTo) {
      // As an array, so the runs are fetched by id rather than the team's runs scanned for them.
      parts.push(Prisma.sql`r."id" = ANY(ARRAY(
        SELECT DISTINCT t."runId" FROM "Result" t WHERE t."teamId" = ${team.id} AND t."testName" = ANY(${testNames}::text[])))`);
    } else {
      // A scalar subquery is probed per run, in the page's order, until the page is full (an EXISTS may be planned as a hash of every run).
      parts.push(
        Prisma.sql`(SELECT 1 FROM "Result" t WHERE t."runId" = r."id" AND t."testName" = ANY(${testNames}::text[]) LIMIT 1) IS NOT NULL`,
      );
    }
  }
  const rows = await db.$queryRaw<
    (Omit<RunsIndexRow, 'createdBy' | 'tests'> & { createdById: string | null; createdByName: string | null })[]
  >`
    SELECT r."id", r."number", r."plan", r."status"::text AS "status", repo."name" AS "repo", r."ref", r."commit",
           r."createdById", u."name" AS "createdByName", r."createdAt", r."startedAt", r."finishedAt",
           ARRAY(SELECT p."name" FROM "RunPlatform" p WHERE p."runId" = r."id" ORDER BY p."name") AS "platforms"
    FROM "Run" r
    LEFT JOIN "TestRepo" repo ON repo."id" = r."repoId"
    LEFT JOIN "User" u ON u."id" = r."createdById"
    WHERE ${Prisma.join(parts, ' AND ')}
    ORDER BY r."number" DESC
    LIMIT ${query.limit + 1}`;
  const page = rows.slice(0, query.limit);
  const counts = page.length
    ? await db.$queryRaw<{ runId: string; total: number; passed: number }[]>`
        SELECT "runId", count(*)::int AS "total", (count(*) FILTER (WHERE "status" = 'pass'))::int AS "passed"
        FROM "Result" WHERE "runId" IN (${Prisma.join(page.map((run) => run.id))}) AND "superseded" = false AND "name" IS NULL
        GROUP BY "runId"`
    : [];
  const countsByRun = new Map(counts.map((row) => [row.runId, row]));
  return {
    runs: page.map(({ createdById, createdByName, ...run }) => ({
      ...run,
      createdBy: createdById ? { id: createdById, name: createdByName ?? '' } : null,
      tests: { total: countsByRun.get(run.id)?.total ?? 0, passed: countsByRun.get(run.id)?.passed ?? 0 },
    })),
    next: rows.length > query.limit ? (page.at(-1)?.number ?? null) : null,
    matchingTests,
  };
}

/**
 * Runs are numbered as they are created, so a date bound is also a number
 * bound: found through the (teamId, createdAt) index, it keeps the scan in
 * number order from walking every run outside the range.
 */
async function numberBound(
  db: Db,
  teamId: string,
  condition: Prisma.Sql,
  order: 'ASC' | 'DESC',
  operator: '>=' | '<=',
): Promise<Prisma.Sql> {
  const [edge] = await db.$queryRaw<{ number: number }[]>`
    SELECT "number" FROM "Run" WHERE "teamId" = ${teamId} AND ${condition}
    ORDER BY "createdAt" ${Prisma.raw(order)} LIMIT 1`;
  if (!edge) return Prisma.sql`false`;
  return Prisma.sql`r."number" ${Prisma.raw(operator)} ${edge.number}`;
}

export interface RunsIndexChoices {
  repos: string[];
  platforms: string[];
  members: { id: string; name: string }[];
}

/** What the runs index's filter form offers to pick from (viewer). */
export async function runsIndexChoices(db: Db, actor: Actor, teamSlug: string): Promise<RunsIndexChoices> {
  const { team } = await requireTeamRole(db, actor, teamSlug, 'viewer');
  const [repos, platforms, members] = await Promise.all([
    db.testRepo.findMany({ where: { teamId: team.id }, select: { name: true }, orderBy: { name: 'asc' } }),
    db.platform.findMany({ where: { teamId: team.id }, select: { name: true }, orderBy: { name: 'asc' } }),
    db.membership.findMany({ where: { teamId: team.id }, select: { user: { select: { id: true, name: true } } } }),
  ]);
  return {
    repos: repos.map((repo) => repo.name),
    platforms: platforms.map((platform) => platform.name),
    members: members.map((member) => member.user).sort((a, b) => a.name.localeCompare(b.name)),
  };
}
