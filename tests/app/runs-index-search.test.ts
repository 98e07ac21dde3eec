// The runs index's test name search on a seeded history (300 runs, 6,000
// results of 80 tests): a search matching few stored results collects their
// runs first, a broad one walks the runs newest first; both must give the
// runs a plain query over every result gives, page after page.
import { afterAll, beforeAll, expect, inject, test } from 'vitest';
import { seedHistory } from '../../bench/history-seed';
import { createDb, type Db } from '../../lib/server/db/client';
import { listRunsIndex } from '../../lib/server/history/runs-index';

const slug = `runs-search-${Date.now()}`;
let db: Db;
let actor: { userId: string };
let teamId: string;

beforeAll(async () => {
  db = createDb(inject('databaseUrl'));
  const seed = await seedHistory(db, { runs: 300, historyRuns: 250, results: 6_000, tests: 40 }, slug);
  actor = { userId: seed.userId };
  teamId = seed.teamId;
}, 120_000);

afterAll(() => db?.$disconnect());

/** Every run that ran a test whose name contains `part`, newest first, from the results themselves. */
async function expectedRuns(part: string, where = ''): Promise<number[]> {
  const rows = await db.$queryRawUnsafe<{ number: number }[]>(
    `SELECT r."number" FROM "Run" r WHERE r."teamId" = $1 ${where}
       AND EXISTS (SELECT 1 FROM "Result" t WHERE t."runId" = r."id" AND strpos(t."testName", $2) > 0)
     ORDER BY r."number" DESC`,
    teamId,
    part,
  );
  return rows.map((row) => row.number);
}

/** All pages of the runs index for `filter`, 40 runs a page. */
async function allPages(filter: Record<string, string>): Promise<number[]> {
  const numbers: number[] = [];
  let after: number | null | undefined;
  do {
    const page = await listRunsIndex(db, actor, slug, { ...filter, limit: '40', ...(after ? { after: String(after) } : {}) });
    numbers.push(...page.runs.map((run) => run.number));
    after = page.next;
  } while (after);
  return numbers;
}

test.each([
  // 11 tests of 100 summarised runs each: few enough results to collect their runs first
  ['case-1', 'few results'],
  // every seeded test but the history one: runs are walked newest first and probed
  ['/case-', 'many results'],
])('searching %s (%s) finds exactly the runs that ran a matching test', async (part) => {
  const expected = await expectedRuns(part);
  expect(expected.length).toBeGreaterThan(40);
  expect(await allPages({ test: part })).toEqual(expected);
});

test('a broad search combined with another filter gives the runs that match both', async () => {
  expect(await allPages({ test: '/case-', status: 'failed' })).toEqual(await expectedRuns('/case-', `AND r."status" = 'failed'`));
  expect(await allPages({ test: 'case-1', plan: '/plans/p3' })).toEqual(await expectedRuns('case-1', `AND r."plan" = '/plans/p3'`));
});

test('the tests a search matched are named, first 20 by name and platform', async () => {
  const page = await listRunsIndex(db, actor, slug, { test: 'case-1' });
  const names = await db.testFlakiness.findMany({
    where: { teamId, testName: { contains: 'case-1' } },
    orderBy: [{ testName: 'asc' }, { platform: 'asc' }],
    select: { testName: true, platform: true },
    take: 20,
  });
  expect(page.matchingTests).toEqual(names);
  expect(names.length).toBeGreaterThan(5);
});
