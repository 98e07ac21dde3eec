// Starting, reading, cancelling and exporting runs through the REST API.
import { execFile, execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, inject, test } from 'vitest';
import { api, teamWithAllRoles } from '../support/api';

const runCli = promisify(execFile);
let team: Awaited<ReturnType<typeof teamWithAllRoles>>;
let platformId: string;
let repoUrl: string;
let commit: string;
const member = () => ({ token: team.members.member.token });
const runs = () => `/api/v1/teams/${team.team.slug}/runs`;

beforeAll(async () => {
  team = await teamWithAllRoles();
  const owner = { token: team.members.owner.token };
  platformId = (
    await api('POST', `/api/v1/teams/${team.team.slug}/platforms`, owner, {
      name: 'deb',
      config: { kind: 'container', image: 'debian:12' },
    })
  ).body.id;
  const repo = await mkdtemp(path.join(tmpdir(), 'testyard-runs-repo-'));
  await mkdir(path.join(repo, '.fmf'));
  await writeFile(path.join(repo, '.fmf', 'version'), '1\n');
  await writeFile(
    path.join(repo, 'main.fmf'),
    '/plans/all:\n  discover:\n    how: fmf\n/plans/configured:\n  discover:\n    how: fmf\n  finish:\n    how: ansible\n    playbook: teardown.yml\n/tests/a:\n  test: "true"\n',
  );
  execFileSync('git', ['init', '-q', '-b', 'main', repo]);
  execFileSync('git', ['-C', repo, '-c', 'user.email=t@example.com', '-c', 'user.name=t', 'commit', '-q', '--allow-empty', '-m', 'init']);
  execFileSync('git', ['-C', repo, 'add', '.']);
  execFileSync('git', ['-C', repo, '-c', 'user.email=t@example.com', '-c', 'user.name=t', 'commit', '-q', '-m', 'tests']);
  commit = execFileSync('git', ['-C', repo, 'rev-parse', 'HEAD']).toString().trim();
  repoUrl = `file://${repo}`;
});

describe('creating a run', () => {
  test('bad input is a 400 naming each field', async () => {
    const response = await api('POST', runs(), member(), {
      plan: '',
      platforms: [],
      filters: { names: ['(unclosed'] },
      reruns: -1,
      environment: { 'bad name': 'x' },
    });
    expect(response.status).toBe(400);
    const paths = (response.body.issues as { path: string }[]).map((issue) => issue.path);
    expect(paths).toEqual(expect.arrayContaining(['plan', 'platforms', 'filters.names.0', 'reruns', 'environment.bad name']));
  });

  test("unknown platforms and repositories (or another team's) are 400 at their field", async () => {
    const unknownPlatform = await api('POST', runs(), member(), { url: repoUrl, plan: '/plans/all', platforms: [platformId, 'nope'] });
    expect(unknownPlatform.status).toBe(400);
    expect(unknownPlatform.body.issues).toEqual([{ path: 'platforms.1', message: 'no such platform in this team' }]);
    const unknownRepo = await api('POST', runs(), member(), { repoId: 'nope', plan: '/plans/all', platforms: [platformId] });
    expect(unknownRepo.body.issues).toEqual([{ path: 'repoId', message: 'no such repository in this team' }]);
    const unfetchable = await api('POST', runs(), member(), {
      url: 'file:///nonexistent/repo',
      plan: '/plans/all',
      platforms: [platformId],
    });
    expect([unfetchable.status, unfetchable.body.issues[0].path]).toEqual([400, 'url']);
  });

  test('pins the commit, numbers runs per team, snapshots platforms and starts the timeline', async () => {
    const first = await api('POST', runs(), member(), {
      url: repoUrl,
      ref: 'main',
      plan: '/plans/all',
      platforms: [platformId],
      filters: { names: ['/tests/'] },
      reruns: 1,
      context: { distro: 'debian-12' },
    });
    expect(first.status, JSON.stringify(first.body)).toBe(201);
    expect(first.body.commit).toBe(commit);
    const second = await api('POST', runs(), member(), { url: repoUrl, plan: '/plans/all', platforms: [platformId] });
    expect(second.body.number).toBe(first.body.number + 1);

    const run = await api('GET', `${runs()}/${first.body.number}`, { token: team.members.viewer.token });
    expect(run.status).toBe(200);
    expect(run.body).toMatchObject({
      id: first.body.id,
      plan: '/plans/all',
      commit,
      filters: { names: ['/tests/'], excludes: [] },
      settings: { reruns: 1, context: { distro: 'debian-12' } },
    });
    expect(run.body.platforms.map((platform: { name: string }) => platform.name)).toEqual(['deb']);
    expect((await api('GET', `${runs()}/${first.body.id}`, member())).body.number).toBe(first.body.number);

    const events = await api('GET', `${runs()}/${first.body.number}/events?after=0`, member());
    expect(events.body[0]).toMatchObject({ seq: 1, event: { type: 'run.queued' } });
    expect((await api('GET', `${runs()}/${first.body.number}/events?after=abc`, member())).status).toBe(400);
  });
});

const noEngine = 'no container engine (install podman or Docker, or set TESTYARD_DOCKER_HOST)';

test('a queued platform of a kind no running worker serves says so, and why; the health API lists what each worker serves', async () => {
  const health = await api('GET', '/api/v1/health', member());
  const workers = (
    health.body.processes as { kind: string; alive: boolean; serves: string[]; unavailable: Record<string, string> }[]
  ).filter((process) => process.kind === 'worker' && process.alive);
  expect(workers.length).toBeGreaterThan(0);
  // The suite's own worker has no container engine; SSH pools and Testing Farm need only the network.
  for (const worker of workers) {
    expect(worker.serves).toEqual(['ssh', 'testing-farm']);
    expect(worker.unavailable).toEqual({
      container: noEngine,
      local: 'disabled (TESTYARD_ENABLE_LOCAL=1 enables it)',
      // the suite's worker leaves libvirt to the workers libvirt tests start (or virsh is missing)
      libvirt: expect.stringMatching(/TESTYARD_WORKER_KINDS|virsh is not installed/),
    });
  }

  const created = await api('POST', runs(), member(), { url: repoUrl, plan: '/plans/all', platforms: [platformId] });
  const run = await api('GET', `${runs()}/${created.body.number}`, member());
  expect(
    run.body.platforms.map((platform: { status: string; waitingReason: string | null }) => [platform.status, platform.waitingReason]),
  ).toEqual([['queued', `no running worker serves container platforms: ${noEngine}`]]);
  await api('POST', `${runs()}/${created.body.number}/cancel`, member());
  expect((await api('GET', `${runs()}/${created.body.number}`, member())).body.platforms[0].waitingReason).toBeNull();

  // testyard api run says so too.
  await api(
    'POST',
    `/api/v1/teams/${team.team.slug}/repos`,
    { token: team.members.admin.token },
    { name: 'suite', url: repoUrl, ref: 'main' },
  );
  const { stdout } = await runCli(
    path.resolve(import.meta.dirname, '../../bin/testyard'),
    ['api', 'run', '--team', team.team.slug, '--repo', 'suite', '--plan', '/plans/all', '--platform', 'deb'],
    {
      env: { ...process.env, TESTYARD_SERVER: inject('appUrl'), TESTYARD_TOKEN: team.members.member.token },
    },
  );
  expect(stdout).toMatch(/^run (\d+) queued: .*\n/);
  expect(stdout.split('\n').slice(1)).toEqual([`deb: waiting: no running worker serves container platforms: ${noEngine}`, '']);
  await api('POST', `${runs()}/${/^run (\d+)/.exec(stdout)![1]}/cancel`, member());
});

test('a plan with a step Testyard does not run ends its platform in error, naming plan, step and kind', async () => {
  const admin = { token: team.members.admin.token };
  // An SSH pool, which the suite's own worker serves; the plan is refused before any host is contacted.
  const secret = await api('POST', `/api/v1/teams/${team.team.slug}/secrets`, admin, {
    name: 'unused-key',
    kind: 'ssh-private-key',
    value: 'not a key',
  });
  const pool = await api('POST', `/api/v1/teams/${team.team.slug}/platforms`, admin, {
    name: 'pool',
    config: { kind: 'ssh', hosts: [{ host: '127.0.0.1', port: 9 }] },
    secretId: secret.body.id,
  });
  expect(pool.status, JSON.stringify(pool.body)).toBe(201);
  const created = await api('POST', runs(), member(), { url: repoUrl, plan: '/plans/configured', platforms: [pool.body.id] });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  let run = (await api('GET', `${runs()}/${created.body.number}`, member())).body;
  for (
    const deadline = Date.now() + 30_000;
    run.status !== 'error' && Date.now() < deadline;
    await new Promise((resolve) => setTimeout(resolve, 200))
  ) {
    run = (await api('GET', `${runs()}/${created.body.number}`, member())).body;
  }
  expect(run.status).toBe('error');
  expect(run.platforms[0].error).toBe(
    "plan /plans/configured: finish step 1 is 'how: ansible', which Testyard does not run (it runs 'install' and 'shell' steps)",
  );
});

describe('cancelling and exporting', () => {
  test('cancel marks the run and its platforms cancelled, once; exports answer for it', async () => {
    const created = await api('POST', runs(), member(), { url: repoUrl, plan: '/plans/all', platforms: [platformId] });
    const cancel = await api('POST', `${runs()}/${created.body.number}/cancel`, member());
    expect(cancel.body).toEqual({ id: created.body.id, status: 'cancelled' });
    expect((await api('POST', `${runs()}/${created.body.number}/cancel`, member())).body.status).toBe('cancelled');
    const run = await api('GET', `${runs()}/${created.body.number}`, member());
    expect(run.body.status).toBe('cancelled');
    expect(run.body.platforms[0].status).toBe('cancelled');
    const events = await api('GET', `${runs()}/${created.body.number}/events`, member());
    expect(events.body.filter((event: { event: { type: string } }) => event.event.type === 'run.cancelled')).toHaveLength(1);

    const jsonl = await fetchText(`${runs()}/${created.body.number}/export.jsonl`);
    expect([jsonl.status, jsonl.text]).toEqual([200, '']);
    const junit = await fetchText(`${runs()}/${created.body.number}/export.junit.xml`);
    expect(junit.status).toBe(200);
    expect(junit.text).toContain('<testsuites tests="0"');
    expect((await fetchText(`${runs()}/999999/export.jsonl`)).status).toBe(404);
  });
});

async function fetchText(pathName: string): Promise<{ status: number; text: string }> {
  const response = await api<string>('GET', pathName, member());
  return {
    status: response.status,
    text: typeof response.body === 'string' ? response.body : response.body === null ? '' : JSON.stringify(response.body),
  };
}
