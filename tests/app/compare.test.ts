// Comparing runs and failure signatures on runs made by the real worker: a
// suite run three times on an SSH pool (a real sshd on loopback) while its
// tests change between runs: one starts failing, one is fixed, one is
// removed, one is added, one gets slower, one keeps failing with the same
// cause worded with other numbers. Each list of the comparison, the causes,
// the run's failure groups, a signature's history and `testyard api compare`'s
// exit code are checked.
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import type { CompareList, RunComparison } from '../../lib/shared/run-compare';
import { api, teamWithAllRoles } from '../support/api';
import { startSshd, type SshServer } from '../support/sshd';

const runCli = promisify(execFile);
const testyard = path.resolve(import.meta.dirname, '../../bin/testyard');
let team: Awaited<ReturnType<typeof teamWithAllRoles>>;
let sshd: SshServer;
let repoDir: string;
const runNumbers: number[] = [];
const teamApi = () => `/api/v1/teams/${team.team.slug}`;
const viewer = () => ({ token: team.members.viewer.token });

/** The suite's tests, as shell commands, written as the repository's main.fmf. */
async function writeSuite(tests: Record<string, string>): Promise<void> {
  const lines = ['/plans/all:', '  discover:', '    how: fmf'];
  for (const [name, command] of Object.entries(tests)) lines.push(`/tests/${name}:`, `  test: ${JSON.stringify(command)}`);
  await writeFile(path.join(repoDir, 'main.fmf'), `${lines.join('\n')}\n`);
}

async function runSuite(repoId: string, platformId: string): Promise<number> {
  const member = { token: team.members.member.token };
  const created = await api('POST', `${teamApi()}/runs`, member, { repoId, plan: '/plans/all', platforms: [platformId], reruns: 0 });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  const number = created.body.number as number;
  for (const deadline = Date.now() + 120_000; Date.now() < deadline; await new Promise((resolve) => setTimeout(resolve, 500))) {
    const run = await api('GET', `${teamApi()}/runs/${number}`, member);
    if (!['queued', 'running'].includes(run.body.status)) {
      expect(run.body.status, JSON.stringify(run.body)).toMatch(/^(passed|failed)$/);
      return number;
    }
  }
  throw new Error(`run ${number} did not end`);
}

const connectionError = (host: number, tries: number) =>
  `echo "connecting..."; echo "ERROR: connection to 10.0.0.${host}:5432 refused after ${tries} tries at 2026-12-0${tries}T10:00:00Z"; exit 1`;

beforeAll(async () => {
  [team, sshd] = await Promise.all([teamWithAllRoles(), startSshd()]);
  const admin = { token: team.members.admin.token };
  const secret = await api('POST', `${teamApi()}/secrets`, admin, { name: 'lab-key', kind: 'ssh-private-key', value: sshd.privateKey });
  const platform = await api('POST', `${teamApi()}/platforms`, admin, {
    name: 'lab',
    config: {
      kind: 'ssh',
      hosts: [{ host: sshd.host, port: sshd.port, user: sshd.username }],
      hostKeyFingerprints: { [`${sshd.host}:${sshd.port}`]: sshd.hostKeyFingerprint },
    },
    secretId: secret.body.id,
  });
  expect(platform.status, JSON.stringify(platform.body)).toBe(201);
  repoDir = await mkdtemp(path.join(tmpdir(), 'testyard-compare-suite-'));
  await mkdir(path.join(repoDir, '.fmf'));
  await writeFile(path.join(repoDir, '.fmf', 'version'), '1\n');
  const repo = await api('POST', `${teamApi()}/repos`, admin, { name: 'suite', path: repoDir });
  expect(repo.status, JSON.stringify(repo.body)).toBe(201);

  await writeSuite({
    steady: 'true',
    breaks: 'true',
    fixed: 'echo "AssertionError: expected 1 got 2 in /tmp/work-1/test_fixed.py"; exit 1',
    removed: 'true',
    still: connectionError(1, 3),
    slower: 'true',
  });
  runNumbers.push(await runSuite(repo.body.id, platform.body.id));
  const second = {
    steady: 'true',
    breaks: 'echo "Traceback (most recent call last):"; echo "AssertionError: the list is not sorted"; exit 1',
    fixed: 'true',
    still: connectionError(7, 5),
    slower: 'sleep 3',
    added: 'true',
  };
  await writeSuite(second);
  runNumbers.push(await runSuite(repo.body.id, platform.body.id));
  await writeSuite(second);
  runNumbers.push(await runSuite(repo.body.id, platform.body.id));
}, 420_000);

afterAll(async () => {
  await sshd?.stop();
});

const names = (comparison: RunComparison, list: CompareList) => comparison.lists[list]!.rows.map((row) => row.testName);

describe('comparing two runs', () => {
  test('against the previous run of the same repository and plan: each list, per platform, with causes', async () => {
    const [first, second] = runNumbers;
    const response = await api<RunComparison>('GET', `${teamApi()}/runs/${second}/compare`, viewer());
    expect(response.status, JSON.stringify(response.body)).toBe(200);
    const comparison = response.body;
    expect([comparison.head.number, comparison.base.number]).toEqual([second, first]);
    expect(names(comparison, 'new-failures')).toEqual(['/tests/breaks']);
    expect(names(comparison, 'fixed')).toEqual(['/tests/fixed']);
    expect(names(comparison, 'still-failing')).toEqual(['/tests/still']);
    expect(names(comparison, 'missing')).toEqual(['/tests/removed']);
    expect(names(comparison, 'new-tests')).toEqual(['/tests/added']);
    expect(names(comparison, 'slower')).toEqual(['/tests/slower']);
    expect(comparison.platforms).toEqual([
      {
        platform: 'lab',
        counts: { 'new-failures': 1, fixed: 1, 'still-failing': 1, missing: 1, 'new-tests': 1, slower: 1, unchanged: 2 },
      },
    ]);
    const [broken] = comparison.lists['new-failures']!.rows;
    expect(broken).toMatchObject({
      platform: 'lab',
      baseStatus: 'pass',
      headStatus: 'fail',
      signatureInBase: false,
      signatureSeenBefore: false,
    });
    // Same cause, other numbers, address and time: the same signature, already in the base run.
    const [still] = comparison.lists['still-failing']!.rows;
    expect(still).toMatchObject({ signatureInBase: true, signatureSeenBefore: true });
    expect(still!.signature).toMatch(/^[0-9a-f]{16}$/);
    const [slower] = comparison.lists.slower!.rows;
    expect(slower!.headSeconds! - slower!.baseSeconds!).toBeGreaterThanOrEqual(2);

    // With an explicit base (the permanent URL's), the same; the third run has no new failure and its cause is known.
    const third = (await api<RunComparison>('GET', `${teamApi()}/runs/${runNumbers[2]}/compare?base=${second}`, viewer())).body;
    expect(third.total['new-failures']).toBe(0);
    expect(third.lists['still-failing']!.rows.map((row) => [row.testName, row.signatureInBase])).toEqual([
      ['/tests/breaks', true],
      ['/tests/still', true],
    ]);
  });

  test('a list pages by cursor, alone', async () => {
    const [, second, third] = runNumbers;
    const page = (after?: string) =>
      api<RunComparison>(
        'GET',
        `${teamApi()}/runs/${third}/compare?base=${second}&list=still-failing&limit=1${after ? `&after=${after}` : ''}`,
        viewer(),
      );
    const one = (await page()).body;
    expect(Object.keys(one.lists)).toEqual(['still-failing']);
    expect(names(one, 'still-failing')).toEqual(['/tests/breaks']);
    const two = (await page(one.lists['still-failing']!.next!)).body;
    expect(names(two, 'still-failing')).toEqual(['/tests/still']);
    expect(two.lists['still-failing']!.next).toBeNull();
    // The counts stay those of the whole comparison.
    expect(two.total['still-failing']).toBe(2);
  });

  test('bad input is a 4xx naming what was wrong', async () => {
    const [first, second] = runNumbers;
    const bad = async (query: string, status: number, pattern: RegExp) => {
      const response = await api('GET', `${teamApi()}/runs/${second}/compare?${query}`, viewer());
      expect([response.status, response.body.error]).toEqual([status, expect.stringMatching(pattern)]);
    };
    await bad('base=../1', 400, /base: a run number or id/);
    await bad(`base=${second}`, 400, /base: is the run itself/);
    await bad('base=99999', 404, /run not found/);
    await bad(`base=${first}&list=everything`, 400, /list/);
    await bad(`base=${first}&list=fixed&after=nonsense`, 400, /after: not a cursor/);
    await bad(`base=${first}&after=abc`, 400, /after: needs list/);
    await bad(`base=${first}&limit=0`, 400, /limit/);
    const firstRun = await api('GET', `${teamApi()}/runs/${first}/compare`, viewer());
    expect([firstRun.status, firstRun.body.error]).toEqual([404, expect.stringMatching(/earlier run of the same repository and plan/)]);
    const outsider = await teamWithAllRoles();
    const elsewhere = await api('GET', `${teamApi()}/runs/${second}/compare`, { token: outsider.members.owner.token });
    expect(elsewhere.status).toBe(404);
  });
});

describe('failure signatures', () => {
  test("a run's failures grouped by cause, and a cause's history across runs", async () => {
    const [first, second, third] = runNumbers;
    const groups = await api('GET', `${teamApi()}/runs/${second}/failure-groups`, viewer());
    expect(groups.status, JSON.stringify(groups.body)).toBe(200);
    expect([groups.body.failures, groups.body.causes]).toEqual([2, 2]);
    const byTest = new Map(
      (groups.body.groups as { signature: string; example: { testName: string }; explanation: { lines: { text: string }[] } }[]).map(
        (group) => [group.example.testName, group],
      ),
    );
    const still = byTest.get('/tests/still')!;
    expect(still.explanation.lines.map((line) => line.text)).toEqual([
      'ERROR: connection to 10.0.0.7:5432 refused after 5 tries at 2026-12-05T10:00:00Z',
    ]);

    const history = await api('GET', `${teamApi()}/signatures/${still.signature}`, viewer());
    expect(history.status, JSON.stringify(history.body)).toBe(200);
    expect([history.body.failures, history.body.runs]).toEqual([3, 3]);
    expect(history.body.occurrences.map((occurrence: { runNumber: number }) => occurrence.runNumber)).toEqual([third, second, first]);
    expect(history.body.explanation.lines[0].normalised).toBe('ERROR: connection to <IP> refused after <N> tries at <TIME>');

    expect((await api('GET', `${teamApi()}/signatures/not-a-hash`, viewer())).status).toBe(400);
    expect((await api('GET', `${teamApi()}/signatures/0000000000000000`, viewer())).status).toBe(404);
  });

  test('the result page explains the signature: the lines, what was replaced, the hash', async () => {
    const groups = await api('GET', `${teamApi()}/runs/${runNumbers[1]}/failure-groups`, viewer());
    const still = (groups.body.groups as { signature: string; example: { testName: string } }[]).find(
      (group) => group.example.testName === '/tests/still',
    )!;
    const page = await fetch(`${inject('appUrl')}/t/${team.team.slug}/runs/${runNumbers[1]}/lab/tests/still`, {
      headers: { cookie: team.members.viewer.cookie },
    });
    const html = await page.text();
    expect(html).toContain('data-testid="failure-signature"');
    expect(html).toContain(still.signature);
    expect(html).toContain('ERROR: connection to &lt;IP&gt; refused after &lt;N&gt; tries at &lt;TIME&gt;');
    expect(html).toMatch(/ip ×1, number ×1|timestamp ×1, ip ×1, number ×1/);
  });
});

describe('testyard api compare', () => {
  const cli = async (args: string[]) => {
    try {
      const { stdout } = await runCli(testyard, ['api', 'compare', '--team', team.team.slug, ...args], {
        env: { ...process.env, TESTYARD_SERVER: inject('appUrl'), TESTYARD_TOKEN: team.members.viewer.token },
      });
      return { code: 0, stdout };
    } catch (error) {
      const failed = error as { code: number; stdout: string; stderr: string };
      return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
    }
  };

  test('exits 1 on new failures, listing them with their cause; 0 without; --json prints the comparison', async () => {
    const [first, second, third] = runNumbers;
    const failing = await cli(['--run', String(second)]);
    expect(failing.code).toBe(1);
    expect(failing.stdout).toContain(`run ${second} (failed) compared with run ${first} (failed)`);
    expect(failing.stdout).toContain('lab: 1 new failures, 1 fixed, 1 still failing');
    expect(failing.stdout).toMatch(/new failure: lab: \/tests\/breaks fail \(cause [0-9a-f]{16}: new cause\)/);

    const clean = await cli(['--run', String(third)]);
    expect(clean.code).toBe(0);
    expect(clean.stdout).not.toContain('new failure:');

    const json = await cli(['--run', String(second), '--base', String(first), '--json']);
    expect(json.code).toBe(1);
    const parsed = JSON.parse(json.stdout) as RunComparison;
    expect(parsed.lists['new-failures']!.rows.map((row) => row.testName)).toEqual(['/tests/breaks']);

    const usage = await cli(['--run', 'latest']);
    expect([usage.code, usage.stderr]).toEqual([2, expect.stringMatching(/--run must be a run number/)]);
  });
});
