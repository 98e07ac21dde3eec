// Every team-scoped API route × every role × an outsider (a member of another
// team) × no credentials; the live rooms the same way; and concurrent
// requests where a check and a change must be one step. The role each route
// needs is the one the OpenAPI document declares (x-role): the test checks
// that the server enforces what the document promises. Other teams' data is
// 404, never 403.
import { io, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { openApiDocument } from '../../lib/server/api-spec/openapi';
import { api, signUp, teamWithAllRoles } from '../support/api';
import { quarantinedSystem } from './history-fixtures';
import { runWithFailedTest } from './run-pages-fixtures';
import { writeFixtureTree } from './setup-fixture';

type Role = 'viewer' | 'member' | 'admin' | 'owner';
type Team = Awaited<ReturnType<typeof teamWithAllRoles>>;
type Caller = { token: string };

interface RouteCase {
  method: string;
  /** Path under /api/v1/teams/<team>; may create what it needs first (as the team's owner). */
  path: (team: Team, caller: Caller) => Promise<string> | string;
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

/** A comment the caller wrote on the seeded run, when their role lets them write one. */
const ownComment = async (team: Team, caller: Caller) => {
  const run = await seededRun(team);
  const own = await api('POST', `/api/v1/teams/${team.team.slug}/runs/${run.number}/comments`, caller, { body: 'mine' });
  return `/runs/${run.number}/comments/${own.status === 201 ? own.body.id : 'not-a-comment'}`;
};
const newWebhook = (team: Team) => create(team, 'webhooks', { url: 'https://203.0.113.5/hook', events: ['run.finished'] });
/** One webhook per team for the routes that only read or change it (a team has at most 20). */
const sharedWebhooks = new Map<string, Promise<string>>();
const sharedWebhook = (team: Team) => {
  if (!sharedWebhooks.has(team.team.slug)) sharedWebhooks.set(team.team.slug, newWebhook(team));
  return sharedWebhooks.get(team.team.slug)!;
};
const newKnownIssue = (team: Team) =>
  create(team, 'known-issues', { title: next(), url: 'https://bugs.example.com/1', testPattern: '^/tests/' });
const inAWeek = () => new Date(Date.now() + 7 * 24 * 3600 * 1000).toISOString();
const newWaiver = (team: Team) =>
  create(team, 'waivers', { testPattern: `^/never/${next()}$`, reason: 'known flake', expiresAt: inAWeek() });
/** The seeded run's failed result, whose triage state the matrix changes. */
const seededFailurePath = async (team: Team) => {
  const run = await seededRun(team);
  const results = await api('GET', `/api/v1/teams/${team.team.slug}/runs/${run.number}/results?status=fail`, asOwner(team));
  return `/runs/${run.number}/results/${results.body.rows[0].id}/triage`;
};

const runningAttempt = (run: Awaited<ReturnType<typeof runWithFailedTest>>) =>
  new URLSearchParams({ platform: run.platform, test: run.running.test, attempt: String(run.running.attempt) });

const routes: RouteCase[] = [
  { method: 'GET', path: () => '' },
  { method: 'PATCH', path: () => '', body: () => ({ name: 'Renamed' }) },
  { method: 'GET', path: () => '/members' },
  { method: 'PATCH', path: (t) => `/members/${t.members.viewer.id}`, body: () => ({ role: 'viewer' }) },
  {
    method: 'DELETE',
    path: async (t) => {
      const user = await signUp('leaver');
      const invitation = await api('POST', `/api/v1/teams/${t.team.slug}/invitations`, asOwner(t), { email: user.email, role: 'member' });
      await api('POST', `/api/v1/invitations/${new URL(invitation.body.url).pathname.split('/').pop()}/accept`, user);
      return `/members/${user.id}`;
    },
  },
  { method: 'GET', path: () => '/invitations' },
  { method: 'POST', path: () => '/invitations', body: () => ({ email: `${next()}@example.com`, role: 'member' }) },
  {
    method: 'DELETE',
    path: async (t) => `/invitations/${await create(t, 'invitations', { email: `${next()}@example.com` })}`,
  },
  { method: 'GET', path: () => '/tokens' },
  { method: 'POST', path: () => '/tokens', body: () => ({ name: 'ci' }) },
  {
    method: 'DELETE',
    path: async (t, caller) => {
      const own = await api('POST', `/api/v1/teams/${t.team.slug}/tokens`, caller, { name: 'to revoke' });
      return `/tokens/${own.status === 201 ? own.body.id : 'not-a-token'}`;
    },
  },
  { method: 'GET', path: () => '/secrets' },
  { method: 'POST', path: () => '/secrets', body: () => ({ name: next(), kind: 'token', value: 'a-secret-value' }) },
  { method: 'DELETE', path: async (t) => `/secrets/${await newSecret(t)}` },
  { method: 'GET', path: () => '/platforms' },
  { method: 'POST', path: () => '/platforms', body: () => ({ name: next(), config: { kind: 'container', image: 'img' } }) },
  { method: 'GET', path: async (t) => `/platforms/${await newPlatform(t)}` },
  { method: 'PATCH', path: async (t) => `/platforms/${await newPlatform(t)}`, body: () => ({ maxRemotes: 3 }) },
  { method: 'DELETE', path: async (t) => `/platforms/${await newPlatform(t)}` },
  { method: 'GET', path: () => '/repos' },
  { method: 'POST', path: () => '/repos', body: () => ({ name: next(), url: 'https://example.com/r.git' }) },
  { method: 'GET', path: async (t) => `/repos/${await newRepo(t)}` },
  { method: 'PATCH', path: async (t) => `/repos/${await newRepo(t)}`, body: () => ({ ref: 'main' }) },
  { method: 'DELETE', path: async (t) => `/repos/${await newRepo(t)}` },
  { method: 'POST', path: () => '/example' },
  { method: 'GET', path: () => '/runs' },
  { method: 'GET', path: () => '/runs?status=failed&test=seeded' },
  { method: 'GET', path: async (t) => `/tests/history?platform=${(await seededRun(t)).platform}&test=/tests/seeded` },
  { method: 'GET', path: () => '/tests/flaky' },
  { method: 'GET', path: () => '/charts' },
  { method: 'GET', path: () => '/systems' },
  { method: 'POST', path: async (t) => `/systems/${await quarantinedSystem(t.team, t.members.owner.token)}/restore` },
  {
    method: 'POST',
    path: () => '/runs',
    body: () => ({ repoId: sharedRun.repoId, plan: sharedRun.plan, platforms: sharedRun.platforms }),
  },
  { method: 'GET', path: async (t) => `/runs/${await newRun(t)}` },
  { method: 'GET', path: async (t) => `/runs/${await newRun(t)}/events?after=0` },
  { method: 'POST', path: async (t) => `/runs/${await newRun(t)}/cancel` },
  { method: 'GET', path: async (t) => `/runs/${await newRun(t)}/export.jsonl` },
  { method: 'GET', path: async (t) => `/runs/${await newRun(t)}/export.junit.xml` },
  { method: 'GET', path: async (t) => `/runs/${await newRun(t)}/results?status=fail` },
  {
    method: 'GET',
    path: async (t) => {
      const run = await seededRun(t);
      return `/runs/${run.number}/attempts?platform=${run.platform}&test=/tests/seeded`;
    },
  },
  { method: 'GET', path: async (t) => `/runs/${(await seededRun(t)).number}/files/${(await seededRun(t)).fileId}` },
  {
    method: 'GET',
    path: async (t) => `/runs/${(await seededRun(t)).number}/files/${(await seededRun(t)).fileId}/lines?from=0`,
  },
  {
    method: 'GET',
    path: async (t) => `/runs/${(await seededRun(t)).number}/files/${(await seededRun(t)).fileId}/search?q=x`,
  },
  { method: 'POST', path: async (t) => `/runs/${(await seededRun(t)).number}/rerun-failed` },
  {
    method: 'GET',
    path: async (t) => `/runs/${(await seededRun(t)).number}/live-output/lines?${runningAttempt(await seededRun(t))}`,
  },
  {
    method: 'GET',
    path: async (t) => `/runs/${(await seededRun(t)).number}/live-output/search?q=line&${runningAttempt(await seededRun(t))}`,
  },
  {
    method: 'GET',
    path: async (t) => {
      const [base, head] = [await newRun(t), await newRun(t)];
      return `/runs/${head}/compare?base=${base}`;
    },
  },
  { method: 'GET', path: async (t) => `/runs/${(await seededRun(t)).number}/failure-groups` },
  {
    method: 'GET',
    path: async (t) => {
      const groups = await api('GET', `/api/v1/teams/${t.team.slug}/runs/${(await seededRun(t)).number}/failure-groups`, asOwner(t));
      return `/signatures/${(groups.body as { groups: { signature: string }[] }).groups[0]?.signature ?? '0000000000000000'}`;
    },
  },
  { method: 'GET', path: () => `/repos/${fixtureFolderRepo}/metadata` },
  { method: 'POST', path: () => '/discovery', body: () => ({ repoId: fixtureFolderRepo, plan: '/plans/smoke' }) },
  // No container engine for the shared web server: the test answers {ok: false} at once.
  { method: 'POST', path: async (t) => `/platforms/${await newPlatform(t)}/test-connection` },
  { method: 'GET', path: async (t) => `/runs/${(await seededRun(t)).number}/comments` },
  { method: 'POST', path: async (t) => `/runs/${(await seededRun(t)).number}/comments`, body: () => ({ body: 'a note' }) },
  { method: 'PATCH', path: ownComment, body: () => ({ body: 'edited' }) },
  { method: 'DELETE', path: ownComment },
  { method: 'GET', path: () => '/webhooks' },
  {
    method: 'POST',
    path: () => '/webhooks',
    body: () => ({ url: 'https://203.0.113.5/hook', events: ['run.finished', 'run.new-failure'] }),
  },
  { method: 'GET', path: async (t) => `/webhooks/${await sharedWebhook(t)}` },
  { method: 'PATCH', path: async (t) => `/webhooks/${await sharedWebhook(t)}`, body: () => ({ enabled: true }) },
  { method: 'GET', path: async (t) => `/webhooks/${await sharedWebhook(t)}/deliveries` },
  { method: 'DELETE', path: async (t) => `/webhooks/${await newWebhook(t)}` },
  { method: 'GET', path: () => '/audit?limit=5' },
  { method: 'GET', path: () => '/known-issues' },
  {
    method: 'POST',
    path: () => '/known-issues',
    body: () => ({ title: next(), url: 'https://bugs.example.com/2', testPattern: '^/nothing/', textPattern: 'oops' }),
  },
  { method: 'GET', path: async (t) => `/known-issues/${await newKnownIssue(t)}` },
  { method: 'PATCH', path: async (t) => `/known-issues/${await newKnownIssue(t)}`, body: () => ({ title: 'renamed' }) },
  { method: 'DELETE', path: async (t) => `/known-issues/${await newKnownIssue(t)}` },
  { method: 'GET', path: () => '/waivers' },
  {
    method: 'POST',
    path: () => '/waivers',
    body: () => ({ testPattern: `^/never/${next()}$`, reason: 'flaky', expiresAt: inAWeek() }),
  },
  { method: 'PATCH', path: async (t) => `/waivers/${await newWaiver(t)}`, body: () => ({ reason: 'still flaky' }) },
  { method: 'DELETE', path: async (t) => `/waivers/${await newWaiver(t)}` },
  { method: 'GET', path: async (t) => `/runs/${(await seededRun(t)).number}/triage` },
  { method: 'PUT', path: (t) => seededFailurePath(t), body: () => ({ state: 'investigating' }) },
];

const ladder: Role[] = ['viewer', 'member', 'admin', 'owner'];

const documentedOperations = Object.entries(
  openApiDocument('http://example.com').paths as Record<string, Record<string, { 'x-role'?: Role }>>,
)
  .filter(([template]) => template.startsWith('/teams/{team}'))
  .flatMap(([template, operations]) =>
    Object.entries(operations).map(([method, operation]) => ({
      method: method.toUpperCase(),
      pattern: new RegExp(`^${template.replace('/teams/{team}', '').replace(/\{[^}]+\}/g, '[^/]+')}$`),
      role: operation['x-role'],
    })),
  );

const checked = new Set<(typeof documentedOperations)[number]>();

/** The role the OpenAPI document says a team route needs. */
function declaredRole(method: string, pathInTeam: string): Role {
  const withoutQuery = pathInTeam.split('?')[0]!;
  const matches = documentedOperations.filter((operation) => operation.method === method && operation.pattern.test(withoutQuery));
  const role = matches.length === 1 ? matches[0]!.role : undefined;
  if (matches.length !== 1 || !role)
    throw new Error(`${method} ${withoutQuery}: ${matches.length} documented operations match, needing ${role ?? 'no role'}`);
  checked.add(matches[0]!);
  return role;
}

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

describe.each(routes)('route %# ($method)', (route) => {
  const label = (path: string) => `${route.method} ${path}`;

  test('without credentials: 401', async () => {
    const path = await route.path(team, asOwner(team));
    const response = await api(route.method, `/api/v1/teams/${team.team.slug}${path}`, {}, route.body?.());
    expect(response.status, label(path)).toBe(401);
  });

  test('an outsider (member of another team): 404', async () => {
    const caller = { token: outsider.members.owner.token };
    const path = await route.path(team, caller);
    const response = await api(route.method, `/api/v1/teams/${team.team.slug}${path}`, caller, route.body?.());
    expect(response.status, label(path)).toBe(404);
  });

  test.each(ladder)('as %s', async (role) => {
    const caller = { token: team.members[role].token };
    const path = await route.path(team, caller);
    const response = await api(route.method, `/api/v1/teams/${team.team.slug}${path}`, caller, route.body?.());
    const needs = declaredRole(route.method, path);
    if (ladder.indexOf(role) >= ladder.indexOf(needs)) {
      expect(response.status, `${label(path)} as ${role}: ${JSON.stringify(response.body)}`).toBeLessThan(300);
    } else {
      expect(response.status, `${label(path)} as ${role}`).toBe(403);
      expect(response.body.error).toMatch(new RegExp(`needs the ${needs} role`));
    }
  });
});

test('every documented team route is in the matrix (deleting the team: below)', () => {
  expect(declaredRole('DELETE', '')).toBe('owner');
  const missing = documentedOperations
    .filter((operation) => !checked.has(operation))
    .map((operation) => `${operation.method} ${operation.pattern}`);
  expect(missing).toEqual([]);
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

  test("a system of the other team is 404 to restore, even for this team's owner", async () => {
    const foreign = await quarantinedSystem(outsider.team, outsider.members.owner.token);
    const response = await api('POST', `/api/v1/teams/${team.team.slug}/systems/${foreign}/restore`, asOwner(team));
    expect(response.status).toBe(404);
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
  const rooms = async () => {
    const runId = (await api('GET', `/api/v1/teams/${team.team.slug}/runs/${await newRun(team)}`, asOwner(team))).body.id as string;
    return [`team:${team.team.id}`, `run:${runId}`, `page:${runId}`, `page:${runId}:${JSON.stringify(['p', '/t'])}`];
  };

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
