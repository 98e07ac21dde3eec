// Every team-scoped API route × every role × an outsider (a member of another
// team) × no credentials; the live rooms the same way; and concurrent
// requests where a check and a change must be one step. Roles: viewer
// reads; member starts runs and comments; admin manages platforms, repos,
// secrets and members; owner deletes the team. Other teams' data is 404,
// never 403.
import { io, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { api, signUp, teamWithAllRoles } from '../support/api';
import { runWithFailedTest } from './run-pages-fixtures';
import { writeFixtureTree } from './setup-fixture';

type Role = 'viewer' | 'member' | 'admin' | 'owner';
type Team = Awaited<ReturnType<typeof teamWithAllRoles>>;
type Caller = { token: string };

interface RouteCase {
  method: string;
  /** Path under /api/v1/teams/<team>; may create what it needs first (as the team's owner). */
  path: (team: Team, caller: Caller) => Promise<string> | string;
  needs: Role;
  body?: () => unknown;
}

let unique = 0;
const next = () => `x${Date.now()}${unique++}`;
const asOwner = (team: Team) => ({ token: team.members.owner.token });
const create = async (team: Team, what: string, body: unknown) =>
  (await api('POST', `/api/v1/teams/${team.team.slug}/${what}`, asOwner(team), body)).body.id as string;

const newPlatform = (team: Team) => create(team, 'platforms', { name: next(), config: { kind: 'container', image: 'debian:12' } });
const newRepo = (team: Team) => create(team, 'repos', { name: next(), url: 'https://example.com/tests.git' });
const newSecret = (team: Team) => create(team, 'secrets', { name: next(), kind: 'token', value: 'a-secret-value' });
const runBody = async (team: Team) => ({
  repoId: await create(team, 'repos', { name: next(), path: await fixtureFolder() }),
  plan: '/plans/smoke',
  platforms: [await newPlatform(team)],
});
let folder: Promise<string> | undefined;
/** A server-side folder holding an fmf tree (under the temporary directory, which the test app allows). */
const fixtureFolder = () =>
  (folder ??= mkdtemp(path.join(tmpdir(), 'testyard-matrix-tree-')).then(async (dir) => {
    await writeFixtureTree(dir);
    return dir;
  }));
const newRun = async (team: Team) =>
  (await api('POST', `/api/v1/teams/${team.team.slug}/runs`, asOwner(team), await runBody(team))).body.number as number;
/** One run with a failed test and a stored file per team, made on first use. */
const seededRuns = new Map<string, ReturnType<typeof runWithFailedTest>>();
const seededRun = (team: Team) => {
  if (!seededRuns.has(team.team.slug)) seededRuns.set(team.team.slug, runWithFailedTest(team.team, team.members.owner.token));
  return seededRuns.get(team.team.slug)!;
};

const runningAttempt = (run: Awaited<ReturnType<typeof runWithFailedTest>>) =>
  new URLSearchParams({ platform: run.platform, test: run.running.test, attempt: String(run.running.attempt) });

const routes: RouteCase[] = [
  { method: 'GET', path: () => '', needs: 'viewer' },
  { method: 'PATCH', path: () => '', needs: 'admin', body: () => ({ name: 'Renamed' }) },
  { method: 'GET', path: () => '/members', needs: 'viewer' },
  { method: 'PATCH', path: (t) => `/members/${t.members.viewer.id}`, needs: 'admin', body: () => ({ role: 'viewer' }) },
  {
    method: 'DELETE',
    path: async (t) => {
      const user = await signUp('leaver');
      const invitation = await api('POST', `/api/v1/teams/${t.team.slug}/invitations`, asOwner(t), { email: user.email, role: 'member' });
      await api('POST', `/api/v1/invitations/${new URL(invitation.body.url).pathname.split('/').pop()}/accept`, user);
      return `/members/${user.id}`;
    },
    needs: 'admin',
  },
  { method: 'GET', path: () => '/invitations', needs: 'admin' },
  { method: 'POST', path: () => '/invitations', needs: 'admin', body: () => ({ email: `${next()}@example.com`, role: 'member' }) },
  {
    method: 'DELETE',
    path: async (t) => `/invitations/${await create(t, 'invitations', { email: `${next()}@example.com` })}`,
    needs: 'admin',
  },
  { method: 'GET', path: () => '/tokens', needs: 'viewer' },
  { method: 'POST', path: () => '/tokens', needs: 'viewer', body: () => ({ name: 'ci' }) },
  {
    method: 'DELETE',
    path: async (t, caller) => {
      const own = await api('POST', `/api/v1/teams/${t.team.slug}/tokens`, caller, { name: 'to revoke' });
      return `/tokens/${own.status === 201 ? own.body.id : 'not-a-token'}`;
    },
    needs: 'viewer',
  },
  { method: 'GET', path: () => '/secrets', needs: 'viewer' },
  { method: 'POST', path: () => '/secrets', needs: 'admin', body: () => ({ name: next(), kind: 'token', value: 'a-secret-value' }) },
  { method: 'DELETE', path: async (t) => `/secrets/${await newSecret(t)}`, needs: 'admin' },
  { method: 'GET', path: () => '/platforms', needs: 'viewer' },
  { method: 'POST', path: () => '/platforms', needs: 'admin', body: () => ({ name: next(), config: { kind: 'container', image: 'img' } }) },
  { method: 'GET', path: async (t) => `/platforms/${await newPlatform(t)}`, needs: 'viewer' },
  { method: 'PATCH', path: async (t) => `/platforms/${await newPlatform(t)}`, needs: 'admin', body: () => ({ maxRemotes: 3 }) },
  { method: 'DELETE', path: async (t) => `/platforms/${await newPlatform(t)}`, needs: 'admin' },
  { method: 'GET', path: () => '/repos', needs: 'viewer' },
  { method: 'POST', path: () => '/repos', needs: 'admin', body: () => ({ name: next(), url: 'https://example.com/r.git' }) },
  { method: 'GET', path: async (t) => `/repos/${await newRepo(t)}`, needs: 'viewer' },
  { method: 'PATCH', path: async (t) => `/repos/${await newRepo(t)}`, needs: 'admin', body: () => ({ ref: 'main' }) },
  { method: 'DELETE', path: async (t) => `/repos/${await newRepo(t)}`, needs: 'admin' },
  { method: 'POST', path: () => '/example', needs: 'admin' },
  { method: 'GET', path: () => '/runs', needs: 'viewer' },
  {
    method: 'POST',
    path: () => '/runs',
    needs: 'member',
    body: () => ({ repoId: sharedRun.repoId, plan: sharedRun.plan, platforms: sharedRun.platforms }),
  },
  { method: 'GET', path: async (t) => `/runs/${await newRun(t)}`, needs: 'viewer' },
  { method: 'GET', path: async (t) => `/runs/${await newRun(t)}/events?after=0`, needs: 'viewer' },
  { method: 'POST', path: async (t) => `/runs/${await newRun(t)}/cancel`, needs: 'member' },
  { method: 'GET', path: async (t) => `/runs/${await newRun(t)}/export.jsonl`, needs: 'viewer' },
  { method: 'GET', path: async (t) => `/runs/${await newRun(t)}/export.junit.xml`, needs: 'viewer' },
  { method: 'GET', path: async (t) => `/runs/${await newRun(t)}/results?status=fail`, needs: 'viewer' },
  {
    method: 'GET',
    path: async (t) => {
      const run = await seededRun(t);
      return `/runs/${run.number}/attempts?platform=${run.platform}&test=/tests/seeded`;
    },
    needs: 'viewer',
  },
  { method: 'GET', path: async (t) => `/runs/${(await seededRun(t)).number}/files/${(await seededRun(t)).fileId}`, needs: 'viewer' },
  {
    method: 'GET',
    path: async (t) => `/runs/${(await seededRun(t)).number}/files/${(await seededRun(t)).fileId}/lines?from=0`,
    needs: 'viewer',
  },
  {
    method: 'GET',
    path: async (t) => `/runs/${(await seededRun(t)).number}/files/${(await seededRun(t)).fileId}/search?q=x`,
    needs: 'viewer',
  },
  { method: 'POST', path: async (t) => `/runs/${(await seededRun(t)).number}/rerun-failed`, needs: 'member' },
  {
    method: 'GET',
    path: async (t) => `/runs/${(await seededRun(t)).number}/live-output/lines?${runningAttempt(await seededRun(t))}`,
    needs: 'viewer',
  },
  {
    method: 'GET',
    path: async (t) => `/runs/${(await seededRun(t)).number}/live-output/search?q=line&${runningAttempt(await seededRun(t))}`,
    needs: 'viewer',
  },
  {
    method: 'GET',
    path: async (t) => {
      const [base, head] = [await newRun(t), await newRun(t)];
      return `/runs/${head}/compare?base=${base}`;
    },
    needs: 'viewer',
  },
  { method: 'GET', path: async (t) => `/runs/${(await seededRun(t)).number}/failure-groups`, needs: 'viewer' },
  {
    method: 'GET',
    path: async (t) => {
      const groups = await api('GET', `/api/v1/teams/${t.team.slug}/runs/${(await seededRun(t)).number}/failure-groups`, asOwner(t));
      return `/signatures/${(groups.body as { groups: { signature: string }[] }).groups[0]?.signature ?? '0000000000000000'}`;
    },
    needs: 'viewer',
  },
  { method: 'GET', path: () => `/repos/${fixtureFolderRepo}/metadata`, needs: 'viewer' },
  { method: 'POST', path: () => '/discovery', needs: 'viewer', body: () => ({ repoId: fixtureFolderRepo, plan: '/plans/smoke' }) },
  // No container engine for the shared web server: the test answers {ok: false} at once.
  { method: 'POST', path: async (t) => `/platforms/${await newPlatform(t)}/test-connection`, needs: 'admin' },
];

const ladder: Role[] = ['viewer', 'member', 'admin', 'owner'];

let team: Team;
let outsider: Team;
/** What POST /runs sends: repository and platform of `team`, made once. */
let sharedRun: Awaited<ReturnType<typeof runBody>>;
/** A server-side folder repository of `team` holding an fmf tree. */
let fixtureFolderRepo: string;

beforeAll(async () => {
  [team, outsider] = await Promise.all([teamWithAllRoles(), teamWithAllRoles()]);
  sharedRun = await runBody(team);
  fixtureFolderRepo = await create(team, 'repos', { name: next(), path: await fixtureFolder() });
});

describe.each(routes)('route %# ($method, needs $needs)', (route) => {
  const label = () => `${route.method} ${route.needs}`;

  test('without credentials: 401', async () => {
    const path = await route.path(team, asOwner(team));
    const response = await api(route.method, `/api/v1/teams/${team.team.slug}${path}`, {}, route.body?.());
    expect(response.status, label()).toBe(401);
  });

  test('an outsider (member of another team): 404', async () => {
    const caller = { token: outsider.members.owner.token };
    const path = await route.path(team, caller);
    const response = await api(route.method, `/api/v1/teams/${team.team.slug}${path}`, caller, route.body?.());
    expect(response.status, label()).toBe(404);
  });

  test.each(ladder)('as %s', async (role) => {
    const caller = { token: team.members[role].token };
    const path = await route.path(team, caller);
    const response = await api(route.method, `/api/v1/teams/${team.team.slug}${path}`, caller, route.body?.());
    if (ladder.indexOf(role) >= ladder.indexOf(route.needs)) {
      expect(response.status, `${label()} as ${role}: ${JSON.stringify(response.body)}`).toBeLessThan(300);
    } else {
      expect(response.status, `${label()} as ${role}`).toBe(403);
      expect(response.body.error).toMatch(new RegExp(`needs the ${route.needs} role`));
    }
  });
});

describe("another team's resources through this team's path", () => {
  test("runs of the other team are 404, even for this team's owner", async () => {
    const number = await newRun(outsider);
    const caller = asOwner(team);
    const foreignId = (await api('GET', `/api/v1/teams/${outsider.team.slug}/runs/${number}`, asOwner(outsider))).body.id as string;
    for (const [method, suffix] of [
      ['GET', ''],
      ['GET', '/events'],
      ['POST', '/cancel'],
      ['GET', '/export.jsonl'],
      ['GET', '/export.junit.xml'],
      ['GET', '/results'],
      ['GET', '/compare'],
      ['GET', '/failure-groups'],
      ['POST', '/rerun-failed'],
    ] as const) {
      const response = await api(method, `/api/v1/teams/${team.team.slug}/runs/${foreignId}${suffix}`, caller);
      expect(response.status, `${method} ${suffix}`).toBe(404);
    }
  });

  test.each(['platforms', 'repos', 'secrets'])("%s of the other team are 404, even for this team's owner", async (kind) => {
    const foreignId = await (kind === 'platforms' ? newPlatform : kind === 'repos' ? newRepo : newSecret)(outsider);
    const caller = asOwner(team);
    const methods = kind === 'secrets' ? ['DELETE'] : ['GET', 'PATCH', 'DELETE'];
    for (const method of methods) {
      const body = method === 'PATCH' ? (kind === 'platforms' ? { maxRemotes: 2 } : { ref: 'x' }) : undefined;
      const response = await api(method, `/api/v1/teams/${team.team.slug}/${kind}/${foreignId}`, caller, body);
      expect(response.status, `${method} ${kind}`).toBe(404);
    }
  });

  test('an API token only works in its own team, even where its user is also a member', async () => {
    const both = team.members.admin;
    const invitation = await api('POST', `/api/v1/teams/${outsider.team.slug}/invitations`, asOwner(outsider), {
      email: both.email,
      role: 'admin',
    });
    await api('POST', `/api/v1/invitations/${new URL(invitation.body.url).pathname.split('/').pop()}/accept`, { cookie: both.cookie });
    expect((await api('GET', `/api/v1/teams/${outsider.team.slug}`, { cookie: both.cookie })).status).toBe(200);
    expect((await api('GET', `/api/v1/teams/${outsider.team.slug}`, { token: both.token })).status).toBe(404);
  });
});

describe('deleting a team', () => {
  test('only its owner can, and afterwards it is gone for everyone', async () => {
    const doomed = await teamWithAllRoles();
    for (const role of ['viewer', 'member', 'admin'] as const) {
      expect((await api('DELETE', `/api/v1/teams/${doomed.team.slug}`, { token: doomed.members[role].token })).status, role).toBe(403);
    }
    expect((await api('DELETE', `/api/v1/teams/${doomed.team.slug}`, { token: outsider.members.owner.token })).status).toBe(404);
    expect((await api('DELETE', `/api/v1/teams/${doomed.team.slug}`, {})).status).toBe(401);
    expect((await api('DELETE', `/api/v1/teams/${doomed.team.slug}`, { cookie: doomed.members.owner.cookie })).status).toBe(204);
    expect((await api('GET', `/api/v1/teams/${doomed.team.slug}`, { cookie: doomed.members.owner.cookie })).status).toBe(404);
  });
});

describe('live rooms: the same rules over Socket.IO', () => {
  const sockets: Socket[] = [];
  afterAll(() => sockets.forEach((socket) => socket.close()));
  const canJoin = async (credentials: { cookie?: string; token?: string }, room: string) => {
    const headers: Record<string, string> = { origin: inject('appUrl') };
    if (credentials.cookie) headers.cookie = credentials.cookie;
    if (credentials.token) headers.authorization = `Bearer ${credentials.token}`;
    const socket = io(inject('appUrl'), { transports: ['websocket'], extraHeaders: headers, reconnection: false });
    sockets.push(socket);
    return (await socket.emitWithAck('subscribe', room)) as boolean;
  };
  const rooms = async () => [
    `team:${team.team.id}`,
    `run:${(await api('GET', `/api/v1/teams/${team.team.slug}/runs/${await newRun(team)}`, asOwner(team))).body.id}`,
  ];

  test.each(ladder)('as %s (session or token): both rooms', async (role) => {
    for (const room of await rooms()) {
      expect(await canJoin({ cookie: team.members[role].cookie }, room), room).toBe(true);
      expect(await canJoin({ token: team.members[role].token }, room), room).toBe(true);
    }
  });

  test('an outsider, a token of another team, and no credentials: neither room', async () => {
    for (const room of await rooms()) {
      expect(await canJoin({ cookie: outsider.members.owner.cookie }, room), room).toBe(false);
      expect(await canJoin({ token: outsider.members.owner.token }, room), room).toBe(false);
      expect(await canJoin({}, room), room).toBe(false);
    }
  });
});

describe('concurrency: checks and changes are one step', () => {
  test('the same invitation accepted five times at once joins once', async () => {
    const user = await signUp('eager');
    const invitation = await api('POST', `/api/v1/teams/${team.team.slug}/invitations`, asOwner(team), {
      email: user.email,
      role: 'viewer',
    });
    const token = new URL(invitation.body.url).pathname.split('/').pop();
    const statuses = (await Promise.all(Array.from({ length: 5 }, () => api('POST', `/api/v1/invitations/${token}/accept`, user)))).map(
      (response) => response.status,
    );
    expect(statuses.filter((status) => status === 200)).toHaveLength(1);
    expect(statuses.filter((status) => status !== 200).every((status) => status === 404)).toBe(true);
  });

  test.each(['platforms', 'repos', 'secrets'])('%s with the same name created at once: one 201, the others 409', async (kind) => {
    const name = next();
    const body =
      kind === 'platforms'
        ? { name, config: { kind: 'container', image: 'x' } }
        : kind === 'repos'
          ? { name, url: 'https://example.com/r.git' }
          : { name, kind: 'token', value: 'a-secret-value' };
    const statuses = (
      await Promise.all(Array.from({ length: 4 }, () => api('POST', `/api/v1/teams/${team.team.slug}/${kind}`, asOwner(team), body)))
    ).map((response) => response.status);
    expect(statuses.filter((status) => status === 201)).toHaveLength(1);
    expect(statuses.filter((status) => status !== 201).every((status) => status === 409)).toBe(true);
  });

  // Two owners demoting each other at once: tests/security/last-owner-race.test.ts.
});
