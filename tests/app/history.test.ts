// Team run history fed by the shared app's real worker on a real sshd: a
// test that fails and then passes on its rerun counts as flaky, so does one
// whose outcome changes between runs at the same commit; the runs index
// pages by keyset and filters on each field; an SSH pool host that cannot be
// reached is quarantined (with quarantineAfter) and skipped by later runs
// until an admin puts it back.
import { execFileSync } from 'node:child_process';
import { mkdtemp, writeFile, mkdir } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import { createDb } from '../../lib/server/db/client';
import { api, teamWithAllRoles } from '../support/api';
import { startSshd, type SshServer } from '../support/sshd';

let team: Awaited<ReturnType<typeof teamWithAllRoles>>;
let sshd: SshServer;
let repoUrl: string;
let commit: string;
let platformId: string;
const runs: { number: number; status: string }[] = [];
const teamApi = () => `/api/v1/teams/${team.team.slug}`;
const as = (role: 'owner' | 'admin' | 'member' | 'viewer') => ({ token: team.members[role].token });

/** A git repository whose tests keep their state in `stateDir` on the (loopback) SSH host, so reruns and later runs behave differently. */
async function historyRepo(stateDir: string): Promise<string> {
  const repo = await mkdtemp(path.join(tmpdir(), 'testyard-history-repo-'));
  await mkdir(path.join(repo, '.fmf'));
  await writeFile(path.join(repo, '.fmf', 'version'), '1\n');
  const counted = (name: string) => `n=$(cat ${stateDir}/${name} 2>/dev/null || echo 0); n=$((n + 1)); echo $n > ${stateDir}/${name}`;
  await writeFile(
    path.join(repo, 'main.fmf'),
    [
      '/plans/all:',
      '  discover:',
      '    how: fmf',
      '/tests/good:',
      '  test: "true"',
      '/tests/rerun-passes:',
      `  test: '${counted('rerun')}; test $n -ne 1'`,
      '/tests/flips:',
      `  test: '${counted('flip')}; test $n -ge 3'`,
      // the tests' own faults, which infrastructure health must not count against their system
      '/tests/faults/times-out:',
      '  test: sleep 60',
      '  duration: 2s',
      '/tests/faults/bad-control:',
      `  test: 'echo frobnicate >&"$ATEX_TEST_CONTROL"'`,
      '',
    ].join('\n'),
  );
  const git = (...args: string[]) => execFileSync('git', ['-C', repo, '-c', 'user.email=t@example.com', '-c', 'user.name=t', ...args]);
  execFileSync('git', ['init', '-q', '-b', 'main', repo]);
  git('add', '.');
  git('commit', '-q', '-m', 'tests');
  commit = git('rev-parse', 'HEAD').toString().trim();
  return `file://${repo}`;
}

async function finishedRun(body: Record<string, unknown>): Promise<{ number: number; status: string }> {
  const created = await api('POST', `${teamApi()}/runs`, as('member'), { url: repoUrl, ref: 'main', plan: '/plans/all', ...body });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  // A plain loop: this also runs in beforeAll, where expect.poll may not.
  const deadline = Date.now() + 150_000;
  for (;;) {
    const run = (await api('GET', `${teamApi()}/runs/${created.body.number}`, as('viewer'))).body as { number: number; status: string };
    if (!['queued', 'running'].includes(run.status)) return run;
    if (Date.now() > deadline) throw new Error(`run ${run.number} still ${run.status}`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

beforeAll(async () => {
  [team, sshd] = await Promise.all([teamWithAllRoles(), startSshd()]);
  const stateDir = await mkdtemp(path.join(tmpdir(), 'testyard-history-state-'));
  repoUrl = await historyRepo(stateDir);
  const key = await api('POST', `${teamApi()}/secrets`, as('admin'), { name: 'lab-key', kind: 'ssh-private-key', value: sshd.privateKey });
  platformId = (
    await api('POST', `${teamApi()}/platforms`, as('admin'), {
      name: 'lab',
      config: {
        kind: 'ssh',
        hosts: [{ host: sshd.host, port: sshd.port, user: sshd.username }],
        hostKeyFingerprints: { [`${sshd.host}:${sshd.port}`]: sshd.hostKeyFingerprint },
      },
      secretId: key.body.id,
    })
  ).body.id;
  // Two runs at the same commit, one rerun each.
  const usualTests = { excludes: ['^/tests/faults/'] };
  runs.push(await finishedRun({ platforms: [platformId], reruns: 1, filters: usualTests }));
  runs.push(await finishedRun({ platforms: [platformId], reruns: 1, filters: usualTests }));
}, 360_000);

afterAll(async () => {
  await sshd?.stop();
});

describe('flakiness from real runs', () => {
  test('a test that failed and passed on its rerun is flaky in that run; one that changed outcome at the same commit is flaky then', async () => {
    expect(runs.map((run) => run.status)).toEqual(['failed', 'passed']);
    const flaky = await api('GET', `${teamApi()}/tests/flaky`, as('viewer'));
    expect(flaky.status).toBe(200);
    const byTest = Object.fromEntries(
      (flaky.body as { testName: string; recent: string; flaky: number; of: number }[]).map((row) => [row.testName, row]),
    );
    expect(byTest['/tests/rerun-passes']).toMatchObject({ recent: 'Pp', flaky: 1, of: 2 });
    expect(byTest['/tests/flips']).toMatchObject({ recent: 'fP', flaky: 1, of: 2 });
    expect(byTest['/tests/good']).toBeUndefined();
  });

  test("each result row carries its test's flaky flag", async () => {
    const results = await api('GET', `${teamApi()}/runs/${runs[1]!.number}/results`, as('viewer'));
    const byTest = Object.fromEntries(
      (results.body.rows as { testName: string; flaky: unknown }[]).map((row) => [row.testName, row.flaky]),
    );
    expect(byTest).toEqual({
      '/tests/good': { flaky: 0, of: 2 },
      '/tests/rerun-passes': { flaky: 1, of: 2 },
      '/tests/flips': { flaky: 1, of: 2 },
    });
  });

  test("a test's history shows each run's attempts, the rerun that passed as flaky, and the commit", async () => {
    const history = await api('GET', `${teamApi()}/tests/history?platform=lab&test=/tests/rerun-passes`, as('viewer'));
    expect(history.status).toBe(200);
    expect(history.body.flakiness).toMatchObject({ flaky: 1, of: 2, runs: 2, flakyTotal: 1 });
    const [latest, first] = history.body.runs as {
      number: number;
      outcome: string;
      commit: string;
      attempts: { status: string; superseded: boolean }[];
    }[];
    expect(latest).toMatchObject({ number: runs[1]!.number, outcome: 'pass', commit });
    expect(latest!.attempts.map((attempt) => attempt.status)).toEqual(['pass']);
    expect(first).toMatchObject({ number: runs[0]!.number, outcome: 'flaky', commit });
    expect(first!.attempts.map((attempt) => [attempt.status, attempt.superseded])).toEqual([
      ['fail', true],
      ['pass', false],
    ]);
    const flips = await api('GET', `${teamApi()}/tests/history?platform=lab&test=/tests/flips`, as('viewer'));
    expect((flips.body.runs as { outcome: string }[]).map((run) => run.outcome)).toEqual(['pass', 'fail']);
  });

  test('history pages by run number; bad queries are 400 naming the field', async () => {
    const page = await api('GET', `${teamApi()}/tests/history?platform=lab&test=/tests/good&limit=1`, as('viewer'));
    expect(page.body.runs.map((run: { number: number }) => run.number)).toEqual([runs[1]!.number]);
    const older = await api(
      'GET',
      `${teamApi()}/tests/history?platform=lab&test=/tests/good&limit=1&before=${page.body.next}`,
      as('viewer'),
    );
    expect([older.body.runs.map((run: { number: number }) => run.number), older.body.next]).toEqual([[runs[0]!.number], null]);
    const bad = await api('GET', `${teamApi()}/tests/history?platform=lab&before=x`, as('viewer'));
    expect(bad.status).toBe(400);
    expect(bad.body.issues.map((issue: { path: string }) => issue.path).sort()).toEqual(['before', 'test']);
  });
});

describe('runs index', () => {
  const numbers = async (query: string) => {
    const response = await api('GET', `${teamApi()}/runs?${query}`, as('viewer'));
    expect(response.status, JSON.stringify(response.body)).toBe(200);
    return (response.body.runs as { number: number }[]).map((run) => run.number);
  };
  const [first, second] = [() => runs[0]!.number, () => runs[1]!.number];

  test('newest first, paged by keyset', async () => {
    const page = await api('GET', `${teamApi()}/runs?limit=1`, as('viewer'));
    expect(page.body.runs.map((run: { number: number }) => run.number)).toEqual([second()]);
    expect(page.body.next).toBe(second());
    expect(await numbers(`limit=1&after=${page.body.next}`)).toEqual([first()]);
    expect(page.body.runs[0]).toMatchObject({
      plan: '/plans/all',
      ref: 'main',
      commit,
      platforms: ['lab'],
      tests: { total: 3, passed: 3 },
    });
  });

  test('each filter', async () => {
    expect(await numbers('status=failed')).toEqual([first()]);
    expect(await numbers('status=passed,failed')).toEqual([second(), first()]);
    expect(await numbers('platform=lab')).toEqual([second(), first()]);
    expect(await numbers('platform=elsewhere')).toEqual([]);
    expect(await numbers(`commit=${commit.slice(0, 7)}`)).toEqual([second(), first()]);
    expect(await numbers('commit=0000000')).toEqual([]);
    expect(await numbers('ref=main')).toEqual([second(), first()]);
    expect(await numbers('ref=other')).toEqual([]);
    expect(await numbers('plan=/plans/all')).toEqual([second(), first()]);
    expect(await numbers('plan=/plans/none')).toEqual([]);
    expect(await numbers(`by=${team.members.member.id}`)).toEqual([second(), first()]);
    expect(await numbers(`by=${team.members.owner.id}`)).toEqual([]);
    const today = new Date().toISOString().slice(0, 10);
    expect(await numbers(`from=${today}&to=${today}`)).toEqual([second(), first()]);
    expect(await numbers('to=2020-01-01')).toEqual([]);
    expect(await numbers('repo=nope')).toEqual([]);
  });

  test('test name search finds the runs that ran a matching test, and names the tests', async () => {
    const search = await api('GET', `${teamApi()}/runs?test=rerun-pas`, as('viewer'));
    expect(search.body.runs.map((run: { number: number }) => run.number)).toEqual([second(), first()]);
    expect(search.body.matchingTests).toEqual([{ testName: '/tests/rerun-passes', platform: 'lab' }]);
    expect(await numbers('test=no-such-test')).toEqual([]);
    // LIKE wildcards are literal
    expect(await numbers('test=%25%25')).toEqual([]);
  });

  test('bad filters are 400 naming the field; a NUL anywhere is 400', async () => {
    expect((await api('GET', `${teamApi()}/runs?plan=%00`, as('viewer'))).status).toBe(400);
    for (const [query, field] of [
      ['status=bogus', 'status'],
      ['commit=xyz', 'commit'],
      ['from=2024-13-01', 'from'],
      ['from=2024-02-01&to=2024-01-01', 'to'],
      ['after=-1', 'after'],
      ['limit=100000', 'limit'],
      ['test=a', 'test'],
    ] as const) {
      const response = await api('GET', `${teamApi()}/runs?${query}`, as('viewer'));
      expect(response.status, query).toBe(400);
      expect(response.body.issues[0].path, query).toMatch(new RegExp(`^${field}(\\.|$)`));
    }
  });
});

describe('infrastructure health', () => {
  test('an unreachable pool host is quarantined after quarantineAfter failures, skipped by the next run, and put back by an admin', async () => {
    const deadPort = await closedPort();
    const pool = await api('POST', `${teamApi()}/platforms`, as('admin'), {
      name: 'pool',
      config: {
        kind: 'ssh',
        // the dead host first: the pool tries it first
        hosts: [
          { host: '127.0.0.1', port: deadPort, user: sshd.username },
          { host: sshd.host, port: sshd.port, user: sshd.username },
        ],
        hostKeyFingerprints: { [`${sshd.host}:${sshd.port}`]: sshd.hostKeyFingerprint },
        quarantineAfter: 1,
      },
      secretId: (await api('GET', `${teamApi()}/secrets`, as('admin'))).body[0].id,
      maxRemotes: 1,
    });
    expect(pool.status, JSON.stringify(pool.body)).toBe(201);
    await finishedRun({ platforms: [pool.body.id], reruns: 0, filters: { names: ['/tests/good'] } });
    const dead = `ssh:127.0.0.1:${deadPort}`;
    const systems = async () =>
      (
        (await api('GET', `${teamApi()}/systems`, as('viewer'))).body as {
          id: string;
          system: string;
          failures: number;
          quarantinedAt: string | null;
        }[]
      ).find((row) => row.system === dead);
    const quarantined = await systems();
    // the pool may retry the host once more before the quarantine is stored
    expect(quarantined!.failures).toBeGreaterThanOrEqual(1);
    expect(quarantined!.quarantinedAt).not.toBeNull();

    const next = await finishedRun({ platforms: [pool.body.id], reruns: 0, filters: { names: ['/tests/good'] } });
    expect(next.status).toBe('passed');
    expect((await systems())!.failures).toBe(quarantined!.failures);

    const restore = `${teamApi()}/systems/${quarantined!.id}/restore`;
    expect((await api('POST', restore, as('member'))).status).toBe(403);
    const restored = await api('POST', restore, as('admin'));
    expect(restored.status).toBe(200);
    expect(restored.body).toMatchObject({ quarantinedAt: null, consecutiveFailures: 0 });
  }, 300_000);

  test('a test that runs out of time or writes a bad control line fails on its own: its host counts no failure and stays in the pool', async () => {
    const pool = await api('POST', `${teamApi()}/platforms`, as('admin'), {
      name: 'strict-pool',
      config: {
        kind: 'ssh',
        hosts: [{ host: sshd.host, port: sshd.port, user: sshd.username }],
        hostKeyFingerprints: { [`${sshd.host}:${sshd.port}`]: sshd.hostKeyFingerprint },
        quarantineAfter: 1,
      },
      secretId: (await api('GET', `${teamApi()}/secrets`, as('admin'))).body[0].id,
    });
    expect(pool.status, JSON.stringify(pool.body)).toBe(201);
    const run = await finishedRun({ platforms: [pool.body.id], reruns: 0, filters: { names: ['^/tests/faults/'] } });
    expect(run.status).toBe('failed');
    const results = await api('GET', `${teamApi()}/runs/${run.number}/results`, as('viewer'));
    const notes = Object.fromEntries((results.body.rows as { testName: string; note: string }[]).map((row) => [row.testName, row.note]));
    expect(notes).toEqual({
      '/tests/faults/times-out': 'TestAbortedError(test duration timeout reached)',
      '/tests/faults/bad-control': 'BadControlError(unknown control word: frobnicate)',
    });
    const systems = (await api('GET', `${teamApi()}/systems`, as('viewer'))).body as { platform: { id: string } }[];
    expect(systems.filter((system) => system.platform.id === pool.body.id)).toEqual([]);
    const db = createDb(inject('databaseUrl'));
    try {
      const health = await db.systemHealth.findMany({ where: { platformId: pool.body.id } });
      expect(health.map(({ failures, successes, quarantinedAt }) => ({ failures, successes, quarantinedAt }))).toEqual([
        { failures: 0, successes: 2, quarantinedAt: null },
      ]);
    } finally {
      await db.$disconnect();
    }
  }, 300_000);
});
