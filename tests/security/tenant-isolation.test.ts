// Finding 1: a team admin pointed repositories (a stored repo's url or path,
// a run's url, a plan's discover url, a library path) at the worker's git
// cache (other teams' tests) or the app's own folder, and errors told which
// folders exist and where. Now only git remotes and folders under
// TESTYARD_LOCAL_REPO_ROOTS (the test app allows the temporary directory),
// never the app's own folders, with one refusal for everything outside.
import { mkdir, mkdtemp, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeAll, expect, test } from 'vitest';
import { defaultCacheDir } from '../../lib/engine/fmf/git';
import { api } from '../support/api';
import { startSshd } from '../support/sshd';
import { repoRoot } from '../support/test-database';
import { fixtureFolder, securityTeam, waitForRunEnd } from './support';

let t: Awaited<ReturnType<typeof securityTeam>>;
beforeAll(async () => {
  t = await securityTeam();
});

const cacheDir = defaultCacheDir();
const serverPaths = [repoRoot, cacheDir, path.dirname(cacheDir)];

/** No server path in `body`, beyond what the caller sent itself (`echoed`). */
function expectNoServerPath(body: unknown, echoed?: string) {
  const text = echoed ? JSON.stringify(body).split(echoed).join('') : JSON.stringify(body);
  for (const where of serverPaths) expect(text).not.toContain(where);
}

test.each([
  ['url', `file://${cacheDir}`],
  ['url', `file://${path.join(cacheDir, 'anything', 'repository')}`],
  ['url', `file://${repoRoot}`],
  ['url', repoRoot],
  ['path', repoRoot],
  ['path', path.join(repoRoot, '.data')],
  ['path', cacheDir],
  ['path', '/etc'],
  ['path', tmpdir() + '/../etc'],
  ['url', 'ext::sh -c id'],
  ['url', 'http://example.com/plain-http.git'],
  ['url', '-uhelp'],
])('a repository with %s %s is refused, naming the field and no server path', async (field, value) => {
  const response = await api('POST', t.path('/repos'), t.admin, { name: `r${Date.now()}`, [field]: value });
  expect(response.status, JSON.stringify(response.body)).toBe(400);
  expect(response.body.issues[0].path).toBe(field);
  expectNoServerPath(response.body);
});

test('a refusal does not tell whether the folder exists', async () => {
  const existing = await api('POST', t.path('/repos'), t.admin, { name: 'probe-a', path: '/etc/ssh' });
  const missing = await api('POST', t.path('/repos'), t.admin, { name: 'probe-b', path: '/etc/no-such-folder-at-all' });
  expect(existing.status).toBe(400);
  expect(existing.body).toEqual(missing.body);
});

test('a symlink under an allowed root to the app folder is refused', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'testyard-link-'));
  await symlink(repoRoot, path.join(dir, 'app'));
  const response = await api('POST', t.path('/repos'), t.admin, { name: 'linked', path: path.join(dir, 'app') });
  expect(response.status).toBe(400);
  expectNoServerPath(response.body);
});

test("a run's url goes through the same policy", async () => {
  const platform = (await api('POST', t.path('/platforms'), t.admin, { name: 'box', config: { kind: 'container', image: 'debian:12' } }))
    .body.id;
  const response = await api('POST', t.path('/runs'), t.member, { url: `file://${cacheDir}`, plan: '/plans/smoke', platforms: [platform] });
  expect(response.status).toBe(400);
  expect(response.body.issues[0].path).toBe('url');
  expectNoServerPath(response.body, `file://${cacheDir}`);
});

test("a plan's discover url cannot reach the app or the cache either", async () => {
  const tree = await fixtureFolder();
  await writeFile(path.join(tree, 'plans', 'remote.fmf'), `discover:\n    how: fmf\n    url: file://${repoRoot}\n`);
  const repoId = (await api('POST', t.path('/repos'), t.admin, { name: 'remote-plan', path: tree })).body.id;
  const preview = await api('POST', t.path('/discovery'), t.member, { repoId, plan: '/plans/remote' });
  expect(preview.status).toBe(400);
  expect(preview.body.error).toMatch(/not under a folder the operator allows/);
  expectNoServerPath(preview.body, `file://${repoRoot}`);
});

test('a library path outside the allowed roots fails the platform without reading it', async () => {
  const sshd = await startSshd();
  try {
    const tree = await fixtureFolder();
    await mkdir(path.join(tree, 'tests', 'uses-lib'), { recursive: true });
    await writeFile(
      path.join(tree, 'tests', 'uses-lib', 'main.fmf'),
      `test: "true"\nrequire:\n  - type: library\n    path: ${repoRoot}\n    name: /lib\n`,
    );
    const repoId = (await api('POST', t.path('/repos'), t.admin, { name: 'lib-escape', path: tree })).body.id;
    const secretId = (await api('POST', t.path('/secrets'), t.admin, { name: 'lab', kind: 'ssh-private-key', value: sshd.privateKey })).body
      .id;
    const platform = await api('POST', t.path('/platforms'), t.admin, {
      name: 'lab',
      config: { kind: 'ssh', hosts: [{ host: sshd.host, port: sshd.port, user: sshd.username }] },
      secretId,
    });
    const created = await api('POST', t.path('/runs'), t.member, { repoId, plan: '/plans/smoke', platforms: [platform.body.id] });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const run = await waitForRunEnd(t.path(`/runs/${created.body.number}`), t.member);
    expect(run.status).toBe('error');
    expect(run.platforms[0]!.error).toMatch(/not under a folder the operator allows/);
    expectNoServerPath(run);
  } finally {
    await sshd.stop();
  }
});

test('a folder under an allowed root still works', async () => {
  const repoId = (await api('POST', t.path('/repos'), t.admin, { name: 'allowed', path: await fixtureFolder() })).body.id;
  const metadata = await api('GET', t.path(`/repos/${repoId}/metadata`), t.member);
  expect(metadata.status).toBe(200);
  expect(metadata.body.plans.map((plan: { name: string }) => plan.name)).toContain('/plans/smoke');
});
