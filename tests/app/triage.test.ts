// Known issues, waivers and triage states on runs made by the shared app's
// real worker (local platform): a known issue labels a failure by a line of
// its output while the run goes on, one created mid-run labels a later
// failure, a waiver shows in counts, exports and `testyard api run`'s exit
// status and stops applying when it expires, and viewers cannot triage.
// Local platforms need TESTYARD_ENABLE_LOCAL=1: this file starts its own app
// (web + worker) with it.
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, inject, test } from 'vitest';
import { createDb, type Db } from '../../lib/server/db/client';
import { teamWithAllRoles, type ApiResponse, type Credentials } from '../support/api';
import { startApp, type RunningApp } from '../support/app-server';
import { cancelLeftoverRuns } from '../support/leftover-runs';

const runCli = promisify(execFile);
const testyard = path.resolve(import.meta.dirname, '../../bin/testyard');

const files: Record<string, string> = {
  '.fmf/version': '1\n',
  'plans/main.fmf': 'discover:\n    how: fmf\nexecute:\n    how: tmt\n',
  'plans/all.fmf': 'summary: every test\n',
  'tests/crash/main.fmf': 'test: |\n    printf "starting\\nloading module\\nfrobnicator: segfault at 0x0\\ndone\\n"\n    exit 1\n',
  'tests/flaky/main.fmf': 'test: |\n    echo "timed out talking to the mirror"\n    exit 1\n',
  'tests/fine/main.fmf': 'test: echo fine\n',
  // fails well after the others, so a known issue can be created in between
  'tests/late/main.fmf': 'test: |\n    sleep 20\n    echo "writing results"\n    echo "late failure: disk full"\n    exit 1\n',
};

let app: RunningApp;

/** The API of this file's app (tokens are stored in the shared database, so they work here). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- answers are read loosely, as tests/support/api.ts reads them
async function api<T = any>(method: string, route: string, as: Credentials, body?: unknown): Promise<ApiResponse<T>> {
  const response = await fetch(`${app.url}${route}`, {
    method,
    headers: {
      authorization: `Bearer ${as.token}`,
      origin: app.url,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: (text ? JSON.parse(text) : null) as T };
}

let team: Awaited<ReturnType<typeof teamWithAllRoles>>;
let db: Db;
const member = () => ({ token: team.members.member.token });
const teamApi = () => `/api/v1/teams/${team.team.slug}`;
const inAWeek = () => new Date(Date.now() + 7 * 24 * 3600 * 1000).toISOString();

interface Row {
  id: string;
  testName: string;
  status: string;
  triage: {
    state: string;
    by: { name: string } | null;
    waiver: { reason: string } | null;
    knownIssues: { id: string; field: string; line: number | null; excerpt: string; attempt: number }[];
  } | null;
}

async function rows(run: number): Promise<Row[]> {
  const response = await api('GET', `${teamApi()}/runs/${run}/results?limit=100`, member());
  expect(response.status).toBe(200);
  return response.body.rows as Row[];
}

async function waitFor<T>(what: string, probe: () => Promise<T | null | undefined | false>, timeoutMs = 90_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

async function startRun(names: string[] = []): Promise<number> {
  const platform = await api('GET', `${teamApi()}/platforms`, member());
  const repo = await api('GET', `${teamApi()}/repos`, member());
  const created = await api('POST', `${teamApi()}/runs`, member(), {
    repoId: repo.body[0].id,
    plan: '/plans/all',
    platforms: [platform.body[0].id],
    filters: { names, excludes: [] },
    reruns: 0,
  });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  return created.body.number as number;
}

const runStatus = async (run: number) =>
  (await api('GET', `${teamApi()}/runs/${run}`, member())).body as {
    status: string;
    triage: { failures: number; triaged: number; waived: number };
  };
const ended = (run: number) => waitFor(`run ${run} to end`, async () => !['queued', 'running'].includes((await runStatus(run)).status));

beforeAll(async () => {
  await cancelLeftoverRuns(inject('databaseUrl'));
  [app, team] = await Promise.all([startApp(inject('databaseUrl'), { TESTYARD_ENABLE_LOCAL: '1' }), teamWithAllRoles()]);
  db = createDb(inject('databaseUrl'));
  const tree = await mkdtemp(path.join(tmpdir(), 'testyard-triage-tree-'));
  for (const [name, text] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(tree, name)), { recursive: true });
    await writeFile(path.join(tree, name), text);
  }
  const admin = { token: team.members.admin.token };
  expect((await api('POST', `${teamApi()}/repos`, admin, { name: 'suite', path: tree })).status).toBe(201);
  const platform = await api('POST', `${teamApi()}/platforms`, admin, { name: 'here', config: { kind: 'local' }, maxRemotes: 2 });
  expect(platform.status, JSON.stringify(platform.body)).toBe(201);
}, 120_000);

afterAll(async () => {
  await db?.$disconnect();
  await app?.stop();
});

test('a known issue labels a failure by a line of its output while the run goes on, and one created mid-run labels a later failure', async () => {
  const bySegfault = await api('POST', `${teamApi()}/known-issues`, member(), {
    title: 'frobnicator segfaults',
    url: 'https://bugs.example.com/101',
    testPattern: '^/tests/',
    textPattern: 'segfault at 0x[0-9a-f]+',
  });
  expect(bySegfault.status, JSON.stringify(bySegfault.body)).toBe(201);

  const run = await startRun();
  const crash = await waitFor('the crash to be labelled', async () =>
    (await rows(run)).find((row) => row.testName === '/tests/crash' && row.triage?.knownIssues.length),
  );
  expect(crash.triage!.state).toBe('known-issue');
  expect(crash.triage!.knownIssues[0]).toMatchObject({
    id: bySegfault.body.id,
    field: 'output',
    line: 3,
    excerpt: 'frobnicator: segfault at 0x0',
    attempt: 1,
  });
  // labelled while the run was still going: the late test has not failed yet
  expect((await runStatus(run)).status).toBe('running');
  expect((await rows(run)).some((row) => row.testName === '/tests/late')).toBe(false);

  const byDiskFull = await api('POST', `${teamApi()}/known-issues`, member(), {
    title: 'disk fills up',
    url: 'https://bugs.example.com/102',
    testPattern: '^/tests/late$',
    statuses: ['fail'],
    textPattern: 'disk full',
    sourceResultId: crash.id,
  });
  expect(byDiskFull.status, JSON.stringify(byDiskFull.body)).toBe(201);
  const late = await waitFor('the late failure to be labelled', async () =>
    (await rows(run)).find((row) => row.testName === '/tests/late' && row.triage?.knownIssues.length),
  );
  expect(late.triage!.knownIssues).toEqual([expect.objectContaining({ id: byDiskFull.body.id, field: 'output', line: 2 })]);
  await ended(run);

  // Editing the matcher relabels recent runs: what it no longer matches loses the label, and gets it back when it matches again.
  const crashTriage = async () => (await rows(run)).find((row) => row.testName === '/tests/crash')!.triage!;
  const edit = (textPattern: string) => api('PATCH', `${teamApi()}/known-issues/${bySegfault.body.id}`, member(), { textPattern });
  expect((await edit('segfault at 0xdead')).status).toBe(200);
  expect(await crashTriage()).toMatchObject({ state: 'new', knownIssues: [] });
  expect((await edit('segfault at 0x[0-9a-f]+')).status).toBe(200);
  expect(await crashTriage()).toMatchObject({ state: 'known-issue', knownIssues: [{ id: bySegfault.body.id, line: 3 }] });

  // the labels were live events of the run, saying which line matched
  const events = (await api('GET', `${teamApi()}/runs/${run}/events?after=0`, member())).body as {
    event: { type: string; test?: string; match?: { line: number } };
  }[];
  const labelled = events.filter(({ event }) => event.type === 'result.labelled').map(({ event }) => [event.test, event.match?.line]);
  expect(labelled).toEqual(
    expect.arrayContaining([
      ['/tests/crash', 3],
      ['/tests/late', 2],
    ]),
  );
  // the edit that dropped the label told the pages to read the run's labels again; the one that restored it labelled again
  expect(events.filter(({ event }) => event.type === 'triage.changed')).toHaveLength(1);
  expect(labelled.filter(([test]) => test === '/tests/crash')).toHaveLength(2);
  // a result linked from a known issue is kept with it
  expect((await db.knownIssue.findUniqueOrThrow({ where: { id: byDiskFull.body.id } })).sourceResultId?.toString()).toBe(crash.id);
  expect(await db.auditEntry.count({ where: { teamId: team.team.id, action: 'known-issue.created' } })).toBe(2);
}, 180_000);

test('patterns are checked: one that cannot run in linear time, or is no regular expression, is a 400 naming the field', async () => {
  const base = { title: 't', url: 'https://bugs.example.com/1', testPattern: '^/tests/' };
  const backreference = await api('POST', `${teamApi()}/known-issues`, member(), { ...base, textPattern: '(a+)\\1' });
  expect(backreference.status).toBe(400);
  expect(backreference.body.issues).toEqual([{ path: 'textPattern', message: expect.stringMatching(/linear time/) }]);
  const broken = await api('POST', `${teamApi()}/known-issues`, member(), { ...base, platformPattern: '([' });
  expect(broken.status).toBe(400);
  expect(broken.body.issues[0].path).toBe('platformPattern');
  const notHttp = await api('POST', `${teamApi()}/waivers`, member(), { testPattern: 'x', reason: 'r', expiresAt: 'tomorrow' });
  expect(notHttp.status).toBe(400);
  expect(notHttp.body.issues[0].path).toBe('expiresAt');
});

test('a waived failure shows as waived in counts, exports and the API, and testyard api run exits 0 when every failure is waived', async () => {
  const waiver = await api('POST', `${teamApi()}/waivers`, member(), {
    testPattern: '^/tests/flaky$',
    platformPattern: '^here$',
    reason: 'the mirror is down this week',
    expiresAt: inAWeek(),
  });
  expect(waiver.status, JSON.stringify(waiver.body)).toBe(201);

  const apiRun = async (...args: string[]) => {
    try {
      const { stdout } = await runCli(
        testyard,
        ['api', 'run', '--team', team.team.slug, '--repo', 'suite', '--plan', '/plans/all', '--platform', 'here', '--wait', ...args],
        {
          env: { ...process.env, TESTYARD_SERVER: app.url, TESTYARD_TOKEN: team.members.member.token },
          timeout: 120_000,
        },
      );
      return { code: 0, stdout };
    } catch (error) {
      const failed = error as { code: number; stdout: string };
      return { code: failed.code, stdout: failed.stdout };
    }
  };
  const onlyWaived = await apiRun('--name', 'flaky|fine', '--reruns', '0');
  expect(onlyWaived.stdout).toMatch(/run \d+: failed\nall 1 failures are waived\n$/);
  expect(onlyWaived.code).toBe(0);
  const run = Number(/^run (\d+) queued/.exec(onlyWaived.stdout)![1]);
  expect((await runStatus(run)).triage).toMatchObject({ failures: 1, triaged: 1, waived: 1 });
  const flaky = (await rows(run)).find((row) => row.testName === '/tests/flaky')!;
  expect(flaky.status).toBe('fail');
  expect(flaky.triage).toMatchObject({ state: 'waived', waiver: { reason: 'the mirror is down this week' } });

  const jsonl = await fetch(`${app.url}${teamApi()}/runs/${run}/export.jsonl`, {
    headers: { authorization: `Bearer ${member().token}` },
  });
  const lines = (await jsonl.text())
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as unknown[]);
  expect(lines.find((line) => line[2] === '/tests/flaky')).toEqual([
    'here',
    'fail',
    '/tests/flaky',
    null,
    ['output.txt'],
    null,
    { waiver: { reason: 'the mirror is down this week', expiresAt: expect.any(String) } },
  ]);
  expect(lines.find((line) => line[2] === '/tests/fine')).toHaveLength(6);
  const junit = await (
    await fetch(`${app.url}${teamApi()}/runs/${run}/export.junit.xml`, { headers: { authorization: `Bearer ${member().token}` } })
  ).text();
  expect(junit).toMatch(
    /<testcase name="\/tests\/flaky"[^>]*>\n\s*<properties><property name="waived" value="the mirror is down this week"\/>.*\n\s*<failure /,
  );

  // a failure that is not waived still fails the command
  const notWaived = await apiRun('--name', 'flaky|crash', '--reruns', '0');
  expect(notWaived.code).toBe(1);
  expect(notWaived.stdout).toMatch(/1 of 2 failures are waived\n$/);
}, 300_000);

test('an expired waiver stops applying by itself', async () => {
  const run = await startRun(['flaky']);
  await ended(run);
  const shortLived = await api('POST', `${teamApi()}/waivers`, member(), {
    testPattern: '^/tests/flaky$',
    reason: 'for three seconds',
    expiresAt: new Date(Date.now() + 3000).toISOString(),
  });
  expect(shortLived.status).toBe(201);
  // the week-long waiver of the test before is deleted, so only the short one can apply
  for (const waiver of (await api('GET', `${teamApi()}/waivers`, member())).body as { id: string; reason: string }[])
    if (waiver.reason !== 'for three seconds')
      expect((await api('DELETE', `${teamApi()}/waivers/${waiver.id}`, member())).status).toBe(204);
  expect((await rows(run))[0]!.triage).toMatchObject({ state: 'waived', waiver: { reason: 'for three seconds' } });
  await new Promise((resolve) => setTimeout(resolve, 3500));
  expect((await rows(run))[0]!.triage).toMatchObject({ state: 'new', waiver: null });
  expect((await runStatus(run)).triage.waived).toBe(0);
  const listed = (await api('GET', `${teamApi()}/waivers`, member())).body as { reason: string; expired: boolean }[];
  expect(listed).toEqual([expect.objectContaining({ reason: 'for three seconds', expired: true })]);
  expect(await db.auditEntry.count({ where: { teamId: team.team.id, action: { in: ['waiver.created', 'waiver.deleted'] } } })).toBe(3);
}, 120_000);

test('members set triage states, live and audited; viewers get 403', async () => {
  const run = await startRun(['flaky']);
  await ended(run);
  const failure = (await rows(run))[0]!;
  const path = `${teamApi()}/runs/${run}/results/${failure.id}/triage`;
  const asViewer = await api('PUT', path, { token: team.members.viewer.token }, { state: 'investigating' });
  expect(asViewer.status).toBe(403);
  const set = await api('PUT', path, member(), { state: 'investigating' });
  expect(set.status, JSON.stringify(set.body)).toBe(200);
  expect(set.body.triage).toMatchObject({ state: 'investigating', by: { name: 'member' } });
  expect((await rows(run))[0]!.triage).toMatchObject({ state: 'investigating', by: { name: 'member' } });
  expect((await api('GET', `${teamApi()}/runs/${run}/results?triage=investigating`, member())).body.rows).toHaveLength(1);
  expect((await api('GET', `${teamApi()}/runs/${run}/results?triage=new`, member())).body.rows).toHaveLength(0);
  expect((await api('PUT', path, member(), { state: 'ignored' })).status).toBe(400);
  const events = (await api('GET', `${teamApi()}/runs/${run}/events?after=0`, member())).body as {
    event: { type: string; state?: string };
  }[];
  expect(events.at(-1)!.event).toMatchObject({ type: 'result.triaged', state: 'investigating', by: 'member' });
  const audit = await db.auditEntry.findFirstOrThrow({ where: { teamId: team.team.id, action: 'triage.changed' } });
  expect(audit).toMatchObject({ actorId: team.members.member.id, subjectId: failure.id, details: { from: null, to: 'investigating' } });
}, 120_000);
