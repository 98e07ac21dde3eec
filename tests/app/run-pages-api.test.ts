// The run pages' API: filtered, keyset-paged results; a test's attempts;
// re-running failed tests as a new run.
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import { createDb, type Db } from '../../lib/server/db/client';
import { api, teamWithAllRoles, type ApiResponse } from '../support/api';
import { fixtureTreeCopy } from '../support/fixture-trees';
import { seedResults } from './run-pages-seed';

let db: Db;
let team: Awaited<ReturnType<typeof teamWithAllRoles>>;
let runNumber: number;
const viewer = () => ({ token: team.members.viewer.token });
const runApi = (number = runNumber) => `/api/v1/teams/${team.team.slug}/runs/${number}`;

/** 250 tests on "alpha" (every 10th fails, every 25th errors) and 50 on "beta" (all pass). */
function statusOf(index: number): string {
  return index % 25 === 0 ? 'error' : index % 10 === 0 ? 'fail' : 'pass';
}

beforeAll(async () => {
  db = createDb(inject('databaseUrl'));
  team = await teamWithAllRoles();
  const owner = { token: team.members.owner.token };
  const platforms = await Promise.all(
    ['alpha', 'beta'].map(
      async (name) =>
        (await api('POST', `/api/v1/teams/${team.team.slug}/platforms`, owner, { name, config: { kind: 'container', image: 'debian:12' } }))
          .body.id as string,
    ),
  );
  const repo = await api('POST', `/api/v1/teams/${team.team.slug}/repos`, owner, {
    name: 'suite',
    path: await fixtureTreeCopy('run-pages'),
  });
  const created = await api('POST', `/api/v1/teams/${team.team.slug}/runs`, owner, {
    repoId: repo.body.id,
    plan: '/plans/all',
    platforms,
    context: { arch: 'x86_64' },
    reruns: 3,
  });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  runNumber = created.body.number;
  await api('POST', `${runApi()}/cancel`, owner);
  const target = (name: string) => ({
    runId: created.body.id,
    teamId: team.team.id,
    runPlatformId: created.body.platforms.find((platform: { name: string }) => platform.name === name).id,
  });
  await seedResults(
    db,
    target('alpha'),
    Array.from({ length: 250 }, (_, index) => ({
      name: `/tests/t${String(index).padStart(3, '0')}`,
      status: statusOf(index),
      rerunReasons: index === 10 ? ['exit code 1', 'system lost'] : [],
    })),
  );
  await seedResults(
    db,
    target('beta'),
    Array.from({ length: 50 }, (_, index) => ({ name: `/tests/t${String(index).padStart(3, '0')}`, status: 'pass' })),
  );
});

afterAll(async () => {
  await db?.$disconnect();
});

async function allPages(
  query: string,
  limit: number,
): Promise<{ rows: { testName: string; platform: string; status: string }[]; total: number; pages: number }> {
  const rows = [];
  let after: string | null = null;
  let total = 0;
  let pages = 0;
  do {
    const response: ApiResponse<{ rows: { testName: string; platform: string; status: string }[]; total: number; next: string | null }> =
      await api('GET', `${runApi()}/results?${query}&limit=${limit}${after ? `&after=${after}` : ''}`, viewer());
    expect(response.status, JSON.stringify(response.body)).toBe(200);
    rows.push(...response.body.rows);
    total = response.body.total;
    after = response.body.next;
    pages++;
  } while (after);
  return { rows, total, pages };
}

describe('results', () => {
  test('pages by keyset through every final result once, in name order', async () => {
    const { rows, total, pages } = await allPages('', 37);
    expect(total).toBe(300);
    expect(rows).toHaveLength(300);
    expect(pages).toBe(Math.ceil(300 / 37));
    const keys = rows.map((row) => `${row.testName} ${row.platform}`);
    expect(new Set(keys).size).toBe(300);
    expect(rows.map((row) => row.testName)).toEqual(rows.map((row) => row.testName).sort());
  });

  test('filters by status, platform and name, alone and together', async () => {
    const failed = await allPages('status=fail', 100);
    expect(failed.total).toBe(Array.from({ length: 250 }, (_, index) => statusOf(index)).filter((status) => status === 'fail').length);
    expect(failed.rows.every((row) => row.status === 'fail' && row.platform === 'alpha')).toBe(true);
    expect((await allPages('status=fail,error', 100)).total).toBe(25 + 10 - 5);
    expect((await allPages('platform=beta', 100)).total).toBe(50);
    expect((await allPages('platform=alpha,beta&name=T04', 100)).total).toBe(20);
    expect((await allPages('status=pass&platform=beta&name=t00', 100)).rows.map((row) => row.testName)).toEqual(
      [...Array(10)].map((_, index) => `/tests/t00${index}`),
    );
    expect((await allPages('platform=nope', 100)).total).toBe(0);
    // LIKE wildcards are literal.
    expect((await allPages('name=%25', 100)).total).toBe(0);
  });

  test('the final attempt only: superseded attempts are not rows', async () => {
    const { rows } = await allPages('name=t010&platform=alpha', 10);
    expect(rows).toMatchObject([{ testName: '/tests/t010', status: 'fail', attempt: 3 }]);
  });

  test('bad cursors and limits are 400 naming the field', async () => {
    const bad = await api('GET', `${runApi()}/results?after=garbage`, viewer());
    expect([bad.status, bad.body.issues?.[0]?.path]).toEqual([400, 'after']);
    expect((await api('GET', `${runApi()}/results?limit=0`, viewer())).body.issues[0].path).toBe('limit');
  });
});

describe("a test's attempts", () => {
  test('every attempt, oldest first, with why each was re-run', async () => {
    const response = await api('GET', `${runApi()}/attempts?platform=alpha&test=${encodeURIComponent('/tests/t010')}`, viewer());
    expect(response.status).toBe(200);
    expect(
      response.body.attempts.map((attempt: { number: number; superseded: boolean; rerunReason: string | null }) => [
        attempt.number,
        attempt.superseded,
        attempt.rerunReason,
      ]),
    ).toEqual([
      [1, true, 'exit code 1'],
      [2, true, 'system lost'],
      [3, false, null],
    ]);
    expect(response.body.attempts[2].results).toMatchObject([{ name: null, status: 'fail' }]);
  });

  test('unknown tests and platforms are 404; a missing query is 400', async () => {
    expect((await api('GET', `${runApi()}/attempts?platform=alpha&test=/nope`, viewer())).status).toBe(404);
    expect((await api('GET', `${runApi()}/attempts?platform=nope&test=/tests/t010`, viewer())).status).toBe(404);
    expect((await api('GET', `${runApi()}/attempts`, viewer())).status).toBe(400);
  });
});

describe('re-running failed tests', () => {
  test('a new run with the same settings, limited to the failed tests, on the platforms they failed on', async () => {
    const response = await api('POST', `${runApi()}/rerun-failed`, { token: team.members.member.token });
    expect(response.status, JSON.stringify(response.body)).toBe(201);
    expect(response.body.number).toBeGreaterThan(runNumber);
    expect(response.body.platforms.map((platform: { name: string }) => platform.name)).toEqual(['alpha']);
    const rerun = await api('GET', runApi(response.body.number), viewer());
    expect(rerun.body).toMatchObject({ plan: '/plans/all', settings: { reruns: 3, context: { arch: 'x86_64' } } });
    const patterns = (rerun.body.filters.names as string[]).map((pattern) => new RegExp(pattern));
    const failing = Array.from({ length: 250 }, (_, index) => index)
      .filter((index) => statusOf(index) !== 'pass')
      .map((index) => `/tests/t${String(index).padStart(3, '0')}`);
    const all = Array.from({ length: 250 }, (_, index) => `/tests/t${String(index).padStart(3, '0')}`);
    expect(all.filter((name) => patterns.some((pattern) => pattern.test(name)))).toEqual(failing);
    await api('POST', `${runApi(response.body.number)}/cancel`, { token: team.members.member.token });
  });

  test('a run without failures has nothing to re-run: 400', async () => {
    const rerun = await api('POST', `${runApi()}/rerun-failed`, { token: team.members.member.token });
    const clean = await api('POST', `${runApi(rerun.body.number)}/rerun-failed`, { token: team.members.member.token });
    expect(clean.status).toBe(400);
    await api('POST', `${runApi(rerun.body.number)}/cancel`, { token: team.members.member.token });
  });
});
