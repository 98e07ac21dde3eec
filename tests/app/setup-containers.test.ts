// The setup pieces that need a container engine, on real podman: a web
// server + worker of their own reach it through TESTYARD_DOCKER_HOST. The
// connection test provisions, answers uname and leaves no container; the
// CLI's `api run --wait` follows runs to their end with testyard run's exit codes.
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import { startApp, type RunningApp } from '../support/app-server';
import { api, teamWithAllRoles } from '../support/api';
import { cancelLeftoverRuns } from '../support/leftover-runs';
import { ensureTestImage, startPodmanService, type PodmanService } from '../support/podman';
import { createFixtureRepo } from './setup-fixture';

const run = promisify(execFile);
const testyard = path.resolve(import.meta.dirname, '../../bin/testyard');

let podman: PodmanService;
let app: RunningApp;
let team: Awaited<ReturnType<typeof teamWithAllRoles>>;
let image: string;
const teamPath = (suffix: string) => `/api/v1/teams/${team.team.slug}${suffix}`;
const admin = () => ({ token: team.members.admin.token });

/** Calls this file's own web server (the shared one cannot reach podman). */
async function call(method: string, suffix: string, body?: unknown) {
  const response = await fetch(`${app.url}${teamPath(suffix)}`, {
    method,
    headers: { authorization: `Bearer ${admin().token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

async function connectionTestContainers(): Promise<string[]> {
  const containers = await podman.docker.listContainers({ all: true });
  return containers
    .filter((container) => container.Labels['testyard.owner']?.startsWith('connection-test-'))
    .map((container) => container.Id);
}

beforeAll(async () => {
  [podman, image] = await Promise.all([startPodmanService(), ensureTestImage(), cancelLeftoverRuns(inject('databaseUrl'))]);
  app = await startApp(inject('databaseUrl'), { TESTYARD_DOCKER_HOST: podman.dockerHost, TESTYARD_CONTAINER_NETWORK: 'host' });
  team = await teamWithAllRoles();
}, 300_000);

afterAll(async () => {
  await app?.stop();
  await podman?.stop();
});

describe('test connection', () => {
  test('provisions a container, shows uname -a and removes the container', async () => {
    const id = (await api('POST', teamPath('/platforms'), admin(), { name: 'podman', config: { kind: 'container', image } })).body.id;
    const response = await call('POST', `/platforms/${id}/test-connection`);
    expect(response.status).toBe(200);
    expect(response.body, JSON.stringify(response.body)).toMatchObject({ ok: true, remote: expect.stringMatching(/^container:/) });
    expect(response.body.output).toMatch(/^Linux /);
    expect(await connectionTestContainers()).toEqual([]);
  }, 180_000);

  test('an image that does not exist fails while starting and leaves nothing behind', async () => {
    const id = (
      await api('POST', teamPath('/platforms'), admin(), {
        name: 'no-image',
        config: { kind: 'container', image: 'localhost/testyard-no-such-image:1' },
      })
    ).body.id;
    const response = await call('POST', `/platforms/${id}/test-connection`);
    // The container provisioner pulls the image when it starts, before any system is asked for.
    expect(response.body).toMatchObject({ ok: false, stage: 'configure', error: expect.stringMatching(/testyard-no-such-image/) });
    expect(await connectionTestContainers()).toEqual([]);
  }, 180_000);
});

describe('testyard api run', () => {
  let fixture: Awaited<ReturnType<typeof createFixtureRepo>>;
  beforeAll(async () => {
    fixture = await createFixtureRepo();
    await api('POST', teamPath('/repos'), admin(), { name: 'fixture', url: fixture.url, ref: 'main' });
    await api('POST', teamPath('/platforms'), admin(), { name: 'debian', config: { kind: 'container', image }, maxRemotes: 2 });
  });

  async function apiRun(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    try {
      const { stdout, stderr } = await run(testyard, ['api', 'run', '--team', team.team.slug, ...args], {
        env: { ...process.env, TESTYARD_SERVER: app.url, TESTYARD_TOKEN: team.members.member.token },
        timeout: 90_000,
      });
      return { code: 0, stdout, stderr };
    } catch (error) {
      const failed = error as { code: number; stdout: string; stderr: string };
      return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
    }
  }

  test('--wait follows a passing run to its end: exit 0', async () => {
    const result = await apiRun('--repo', 'fixture', '--plan', '/plans/smoke', '--platform', 'debian', '--name', 'pass-', '--wait');
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^run \d+ queued: http:\/\/.*\/t\/.*\/runs\/\d+$/m);
    expect(result.stdout).toMatch(/debian: \/tests\/pass-one pass/);
    expect(result.stdout).toMatch(/debian: \/tests\/pass-two pass/);
    expect(result.stdout).toMatch(/^run \d+: passed$/m);
  }, 120_000);

  test('a failing test: exit 1', async () => {
    const result = await apiRun(
      '--repo',
      'fixture',
      '--plan',
      '/plans/smoke',
      '--platform',
      'debian',
      '--name',
      'fails',
      '--reruns',
      '0',
      '--context',
      'distro=debian',
      '--wait',
    );
    expect(result.code, result.stdout + result.stderr).toBe(1);
    expect(result.stdout).toMatch(/\/tests\/fails fail/);
    expect(result.stdout).toMatch(/^run \d+: failed$/m);
  }, 120_000);

  test('bad usage and unknown names: exit 2 with a one-line reason', async () => {
    const missing = await apiRun('--repo', 'fixture', '--platform', 'debian');
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/missing --plan/);
    const unknown = await apiRun('--repo', 'fixture', '--plan', '/plans/smoke', '--platform', 'nope');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/no platform nope in team .* \(there are: debian/);
    const invalid = await apiRun('--repo', 'fixture', '--plan', '/plans/smoke', '--platform', 'debian', '--name', '(unclosed');
    expect(invalid.code).toBe(2);
    expect(invalid.stderr).toMatch(/400 filters\.names\.0: not a valid regular expression/);
  });
});
