// The one-click example of an empty team: a built-in repository (the app's
// own example/ folder, named by a URL no tenant can store) and a container
// platform, added by an admin; the health page and the dashboard say which
// platform kinds this installation can run, and why not the others.
import { expect, inject, test } from 'vitest';
import { api, teamWithAllRoles } from '../support/api';

const noEngine = 'no container engine (install podman or Docker, or set TESTYARD_DOCKER_HOST)';

const page = async (path: string, cookie?: string) =>
  (await fetch(`${inject('appUrl')}${path}`, { headers: cookie ? { cookie } : {} })).text();

test('an admin adds the example in one call (again: the same ones); its tests are read from the shipped folder', async () => {
  const { team, members } = await teamWithAllRoles();
  const admin = { token: members.admin.token };
  const teamApi = `/api/v1/teams/${team.slug}`;

  const added = await api('POST', `${teamApi}/example`, admin);
  expect(added.status, JSON.stringify(added.body)).toBe(201);
  expect(added.body).toMatchObject({
    plan: '/plans/example',
    repo: { name: 'example', url: 'testyard://example', ref: null, path: null },
    platform: { name: 'example', config: { kind: 'container', image: 'docker.io/library/fedora:latest' }, maxRemotes: 2 },
  });
  const again = await api('POST', `${teamApi}/example`, admin);
  expect([again.body.repo.id, again.body.platform.id]).toEqual([added.body.repo.id, added.body.platform.id]);
  expect((await api('GET', `${teamApi}/repos`, admin)).body).toHaveLength(1);

  const metadata = await api('GET', `${teamApi}/repos/${added.body.repo.id}/metadata`, admin);
  expect(metadata.body.commit).toBeNull();
  expect(metadata.body.plans.map((plan: { name: string }) => plan.name)).toEqual(['/plans/example']);
  expect(metadata.body.tests.map((test: { name: string }) => test.name)).toEqual(['/tests/counting', '/tests/hello', '/tests/report']);
  const withRef = await api('GET', `${teamApi}/repos/${added.body.repo.id}/metadata?ref=main`, admin);
  expect(withRef.status).toBe(400);
  expect(withRef.body.error).toBe('the built-in example has no refs');
  const preview = await api('POST', `${teamApi}/discovery`, admin, {
    repoId: added.body.repo.id,
    plan: '/plans/example',
    platforms: [added.body.platform.id],
  });
  expect(preview.body).toMatchObject({ count: 3, platforms: [{ name: 'example', count: 3 }] });

  const run = await api(
    'POST',
    `${teamApi}/runs`,
    { token: members.member.token },
    { repoId: added.body.repo.id, plan: '/plans/example', platforms: [added.body.platform.id] },
  );
  expect(run.status, JSON.stringify(run.body)).toBe(201);
  expect(run.body.commit).toBeNull();
  await api('POST', `${teamApi}/runs/${run.body.number}/cancel`, { token: members.member.token });
});

test('the example URL cannot be stored by hand, and the example needs the admin role and free names', async () => {
  const { team, members } = await teamWithAllRoles();
  const admin = { token: members.admin.token };
  const teamApi = `/api/v1/teams/${team.slug}`;
  for (const url of ['testyard://example', 'testyard://example/../../etc']) {
    const stored = await api('POST', `${teamApi}/repos`, admin, { name: 'mine', url });
    expect(stored.status).toBe(400);
    expect(stored.body.issues).toEqual([{ path: 'url', message: expect.stringMatching(/^not a git URL/) }]);
  }
  const git = await api('POST', `${teamApi}/repos`, admin, { name: 'example', url: 'https://example.com/tests.git' });
  expect((await api('PATCH', `${teamApi}/repos/${git.body.id}`, admin, { url: 'testyard://example' })).status).toBe(400);

  expect((await api('POST', `${teamApi}/example`, { token: members.member.token })).status).toBe(403);
  const taken = await api('POST', `${teamApi}/example`, admin);
  expect(taken.status).toBe(409);
  expect(taken.body.error).toBe('a repository named example already exists in this team');
});

test('signed in, the health page says which platform kinds can run and why not; an empty team offers the example to admins', async () => {
  const { team, members } = await teamWithAllRoles();
  const health = await page('/health', members.viewer.cookie);
  expect(health).toMatch(/data-testid="kind-ssh">.*available/);
  expect(health).toContain(noEngine);
  expect(health).toContain('disabled (TESTYARD_ENABLE_LOCAL=1 enables it)');
  expect(health).toMatch(/Restarts/);
  const anonymous = await page('/health');
  expect(anonymous).not.toMatch(/data-testid="kind-|Restarts/);

  const dashboard = await page(`/t/${team.slug}`, members.admin.cookie);
  expect(dashboard).toContain('data-testid="example-offer"');
  expect(dashboard).toMatch(
    new RegExp(
      `data-testid="example-containers-unavailable">No running worker can run containers yet: (<!-- -->)?${noEngine.replace(/[()]/g, '\\$&')}`,
    ),
  );
  expect(await page(`/t/${team.slug}`, members.member.cookie)).not.toContain('data-testid="example-offer"');
});
