// The setup endpoints against the running app: repository metadata and the
// run discovery preview on a real local git repository (and a server-side
// folder), with their validation errors; platform edits; the connection test
// failing cleanly when the web server has no container engine.
import { beforeAll, describe, expect, test } from 'vitest';
import { api, teamWithAllRoles } from '../support/api';
import { createFixtureRepo, fixtureTests } from './setup-fixture';

type Team = Awaited<ReturnType<typeof teamWithAllRoles>>;
let team: Team;
let fixture: Awaited<ReturnType<typeof createFixtureRepo>>;
let gitRepoId: string;
let folderRepoId: string;
const as = (role: keyof Team['members']) => ({ token: team.members[role].token });
const teamPath = (suffix: string) => `/api/v1/teams/${team.team.slug}${suffix}`;

beforeAll(async () => {
  [team, fixture] = await Promise.all([teamWithAllRoles(), createFixtureRepo()]);
  gitRepoId = (await api('POST', teamPath('/repos'), as('admin'), { name: 'fixture', url: fixture.url, ref: 'main' })).body.id;
  folderRepoId = (await api('POST', teamPath('/repos'), as('admin'), { name: 'fixture-folder', path: fixture.dir })).body.id;
});

describe('repository metadata', () => {
  test('lists plans and tests with metadata at the pinned commit', async () => {
    const response = await api('GET', teamPath(`/repos/${gitRepoId}/metadata`), as('viewer'));
    expect(response.status, JSON.stringify(response.body)).toBe(200);
    expect(response.body.commit).toBe(fixture.commit);
    expect(response.body.plans).toEqual([
      { name: '/plans/fast', summary: 'only the fast ones' },
      { name: '/plans/smoke', summary: 'every test' },
    ]);
    expect(response.body.tests.map((t: { name: string }) => t.name)).toEqual(fixtureTests);
    const heavy = response.body.tests.find((t: { name: string }) => t.name === '/tests/heavy');
    expect(heavy).toMatchObject({ summary: 'needs packages', duration: '5m', tags: ['slow'], require: ['bash', 'make'] });
    expect(heavy.metadata.test).toBe('true');
  });

  test('an fmf context applies adjust rules', async () => {
    const response = await api('GET', teamPath(`/repos/${gitRepoId}/metadata?context=distro=fedora`), as('viewer'));
    expect(response.body.tests.map((t: { name: string }) => t.name)).not.toContain('/tests/fails');
  });

  test('a malformed context pair is a 400 naming it', async () => {
    const response = await api('GET', teamPath(`/repos/${gitRepoId}/metadata?context=distro=fedora&context=oops`), as('viewer'));
    expect(response.status).toBe(400);
    expect(response.body.issues).toEqual([{ path: 'context.1', message: 'expected KEY=VALUE, got "oops"' }]);
  });

  test('broken YAML is a 400 naming the file and line, relative to the tree', async () => {
    const response = await api('GET', teamPath(`/repos/${gitRepoId}/metadata?ref=broken`), as('viewer'));
    expect(response.status).toBe(400);
    expect(response.body.error).toMatch(/tests\/pass-one\/main\.fmf.* line \d+/);
    expect(response.body.error).not.toContain(fixture.dir);
  });

  test('an unreachable repository is a 400 saying it cannot be fetched', async () => {
    // nothing listens on port 9 (discard) of the loopback the test app allows
    const id = (await api('POST', teamPath('/repos'), as('admin'), { name: 'gone', url: 'git://127.0.0.1:9/testyard-repo' })).body.id;
    const response = await api('GET', teamPath(`/repos/${id}/metadata`), as('viewer'));
    expect(response.status).toBe(400);
    expect(response.body.error).toMatch(/cannot fetch git:\/\/127\.0\.0\.1:9\/testyard-repo/);
    expect(response.body.issues[0].path).toBe('repoId');
  });

  test('a server-side folder has no commit and no refs', async () => {
    const response = await api('GET', teamPath(`/repos/${folderRepoId}/metadata`), as('viewer'));
    expect(response.status).toBe(200);
    expect(response.body.commit).toBeNull();
    expect(response.body.tests).toHaveLength(4);
    const withRef = await api('GET', teamPath(`/repos/${folderRepoId}/metadata?ref=main`), as('viewer'));
    expect(withRef.status).toBe(400);
    expect(withRef.body.issues).toEqual([{ path: 'ref', message: 'only git repositories have refs' }]);
  });
});

describe('discovery preview', () => {
  let fedora: string;
  let debian: string;
  beforeAll(async () => {
    const platform = (name: string, context: Record<string, string>) =>
      api('POST', teamPath('/platforms'), as('admin'), { name, config: { kind: 'container', image: 'debian:12' }, context }).then(
        (r) => r.body.id as string,
      );
    [fedora, debian] = await Promise.all([platform('fedora', { distro: 'fedora' }), platform('debian', { distro: 'debian' })]);
  });

  test('counts what a plan selects, overall and per platform context', async () => {
    const response = await api('POST', teamPath('/discovery'), as('viewer'), {
      repoId: gitRepoId,
      plan: '/plans/smoke',
      platforms: [fedora, debian],
    });
    expect(response.status, JSON.stringify(response.body)).toBe(200);
    expect(response.body).toMatchObject({ commit: fixture.commit, count: 4 });
    expect(response.body.tests[0]).toEqual({ name: '/tests/fails', duration: '2m' });
    expect(response.body.platforms).toEqual([
      { id: fedora, name: 'fedora', count: 3 },
      { id: debian, name: 'debian', count: 4 },
    ]);
  });

  test('name filters, excludes, the run context and plan filters narrow it', async () => {
    const count = async (body: Record<string, unknown>) =>
      (await api('POST', teamPath('/discovery'), as('viewer'), { repoId: gitRepoId, plan: '/plans/smoke', ...body })).body.count;
    expect(await count({ names: ['pass'] })).toBe(2);
    expect(await count({ excludes: ['pass-'] })).toBe(2);
    expect(await count({ context: { distro: 'fedora' } })).toBe(3);
    expect(await count({ plan: '/plans/fast' })).toBe(1);
    expect(await count({ ref: 'main', names: ['heavy'] })).toBe(1);
  });

  test('works on a server-side folder', async () => {
    const response = await api('POST', teamPath('/discovery'), as('viewer'), { repoId: folderRepoId, plan: '/plans/fast' });
    expect(response.body).toMatchObject({ commit: null, count: 1, tests: [{ name: '/tests/pass-one', duration: '1m' }] });
  });

  test('bad input is a 400 with field paths', async () => {
    const response = await api('POST', teamPath('/discovery'), as('viewer'), {
      repoId: gitRepoId,
      names: ['ok', '(unclosed'],
      context: { 'bad key': 'x' },
    });
    expect(response.status).toBe(400);
    expect(response.body.issues.map((issue: { path: string }) => issue.path).sort()).toEqual(['context.bad key', 'names.1', 'plan']);
  });

  test('an unknown plan or platform is a 400 saying which', async () => {
    const plan = await api('POST', teamPath('/discovery'), as('viewer'), { repoId: gitRepoId, plan: '/plans/nope' });
    expect(plan.status).toBe(400);
    expect(plan.body.issues).toEqual([
      { path: 'plan', message: 'no plan /plans/nope in the repository; its plans: /plans/fast, /plans/smoke' },
    ]);
    const platform = await api('POST', teamPath('/discovery'), as('viewer'), {
      repoId: gitRepoId,
      plan: '/plans/smoke',
      platforms: [fedora, 'nope'],
    });
    expect(platform.status).toBe(400);
    expect(platform.body.issues).toEqual([{ path: 'platforms.1', message: 'no such platform in this team' }]);
  });

  test('a plan with a step Testyard does not run is a 400 naming plan, step and kind', async () => {
    const response = await api('POST', teamPath('/discovery'), as('viewer'), {
      repoId: gitRepoId,
      ref: 'ansible',
      plan: '/plans/configured',
    });
    expect(response.status).toBe(400);
    expect(response.body.issues).toEqual([
      {
        path: 'plan',
        message:
          "plan /plans/configured: prepare step 2 ('configure') is 'how: ansible', which Testyard does not run (it runs 'install' and 'shell' steps)",
      },
    ]);
  });

  test("another team's repository is 404", async () => {
    const other = await teamWithAllRoles();
    const response = await api(
      'POST',
      `/api/v1/teams/${other.team.slug}/discovery`,
      { token: other.members.owner.token },
      { repoId: gitRepoId, plan: '/plans/smoke' },
    );
    expect(response.status).toBe(404);
  });
});

describe('platforms', () => {
  test('an edit keeps the fields it leaves out and validates the ones it sends', async () => {
    const id = (
      await api('POST', teamPath('/platforms'), as('admin'), {
        name: 'editable',
        config: { kind: 'container', image: 'debian:12' },
        context: { distro: 'debian' },
        maxRemotes: 2,
      })
    ).body.id;
    const edited = await api('PATCH', teamPath(`/platforms/${id}`), as('admin'), {
      config: { kind: 'container', image: 'debian:13' },
      maxSpares: 1,
    });
    expect(edited.body).toMatchObject({
      name: 'editable',
      config: { kind: 'container', image: 'debian:13' },
      context: { distro: 'debian' },
      maxRemotes: 2,
      maxSpares: 1,
    });
    const bad = await api('PATCH', teamPath(`/platforms/${id}`), as('admin'), { config: { kind: 'ssh', hosts: [] }, maxRemotes: 0 });
    expect(bad.status).toBe(400);
    expect(bad.body.issues.map((issue: { path: string }) => issue.path).sort()).toEqual(['config.hosts', 'maxRemotes']);
  });

  test('a name that a run page path already uses is refused, naming the field', async () => {
    const response = await api('POST', teamPath('/platforms'), as('admin'), {
      name: 'compare',
      config: { kind: 'container', image: 'debian:12' },
    });
    expect(response.status).toBe(400);
    expect(response.body.issues).toEqual([expect.objectContaining({ path: 'name', message: expect.stringContaining('comparison page') })]);
  });

  test('a connection test that cannot reach the engine answers where and why, and leaks no secret', async () => {
    const secret = 'not-a-key-and-must-not-leak';
    const secretId = (await api('POST', teamPath('/secrets'), as('admin'), { name: 'key', kind: 'ssh-private-key', value: secret })).body
      .id;
    const id = (
      await api('POST', teamPath('/platforms'), as('admin'), {
        name: 'unreachable-ssh',
        config: { kind: 'ssh', hosts: [{ host: '127.0.0.1', port: 9 }] },
        secretId,
      })
    ).body.id;
    const response = await api('POST', teamPath(`/platforms/${id}/test-connection`), as('admin'));
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ ok: false, stage: expect.stringMatching(/configure|provision|timeout/) });
    expect(JSON.stringify(response.body)).not.toContain(secret);
  }, 120_000);
});
