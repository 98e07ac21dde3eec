import pg from 'pg';
import { beforeAll, describe, expect, inject, test } from 'vitest';
import { linkInMail } from '../support/accounts';
import { api, signUp, teamWithAllRoles } from '../support/api';

let t: Awaited<ReturnType<typeof teamWithAllRoles>>;
const base = () => `/api/v1/teams/${t.team.slug}`;
const owner = () => ({ token: t.members.owner.token });
const inviteToken = (url: string) => new URL(url).pathname.split('/').pop()!;

beforeAll(async () => {
  t = await teamWithAllRoles();
});

describe('bad input is a 400 naming the field and the reason', () => {
  test('a platform with a port out of range', async () => {
    const response = await api('POST', `${base()}/platforms`, owner(), {
      name: 'lab',
      config: { kind: 'ssh', hosts: [{ host: 'lab1', port: 70000 }] },
      secretId: 'x',
    });
    expect(response.status).toBe(400);
    expect(response.body.issues).toContainEqual({ path: 'config.hosts.0.port', message: expect.stringMatching(/65535/) });
  });

  test('an unknown provisioner kind', async () => {
    const response = await api('POST', `${base()}/platforms`, owner(), { name: 'p', config: { kind: 'vm' } });
    expect(response.status).toBe(400);
    expect(response.body.issues[0].path).toBe('config.kind');
  });

  test('an SSH platform without a key secret', async () => {
    const response = await api('POST', `${base()}/platforms`, owner(), { name: 'p', config: { kind: 'ssh', hosts: [{ host: 'h' }] } });
    expect(response.status).toBe(400);
    expect(response.body.issues).toEqual([{ path: 'secretId', message: 'required for this kind' }]);
  });

  test('malformed JSON, an empty body, and a JSON array', async () => {
    const broken = await api('POST', `${base()}/secrets`, owner(), '{"name": ');
    expect(broken.status).toBe(400);
    expect(broken.body.error).toMatch(/not valid JSON/);
    expect((await api('PATCH', base(), owner())).body.error).toMatch(/needs a JSON body/);
    const array = await api('POST', `${base()}/repos`, owner(), []);
    expect(array.status).toBe(400);
    expect(array.body.issues[0].path).toBe('(root)');
  });

  test('a repository needs exactly one of url and path', async () => {
    const both = await api('POST', `${base()}/repos`, owner(), { name: 'r', url: 'https://x/y.git', path: '/srv/t' });
    expect(both.status).toBe(400);
    expect((await api('POST', `${base()}/repos`, owner(), { name: 'r', url: 'not a url' })).body.issues[0].path).toBe('url');
  });

  test('nothing answers with a stack trace', async () => {
    const response = await api('POST', `${base()}/platforms`, owner(), { name: 7, config: null, maxRemotes: 'many' });
    expect(response.status).toBe(400);
    expect(JSON.stringify(response.body)).not.toMatch(/\bat .*\.ts:\d+/);
    expect(response.body.issues.map((issue: { path: string }) => issue.path).sort()).toEqual(['config', 'maxRemotes', 'name']);
  });
});

describe('routes', () => {
  test('unknown API routes are 404 with a message', async () => {
    const response = await api('GET', '/api/v1/nothing/here', owner());
    expect(response.status).toBe(404);
    expect(response.body.error).toMatch(/no API route GET \/api\/v1\/nothing\/here/);
  });

  test('unknown pages are 404', async () => {
    expect((await fetch(`${inject('appUrl')}/no/such/page`)).status).toBe(404);
  });

  test('a team that does not exist and one that is not yours look the same', async () => {
    const stranger = await signUp('stranger');
    const missing = await api('GET', '/api/v1/teams/no-such-team', stranger);
    const foreign = await api('GET', base(), stranger);
    expect([missing.status, foreign.status]).toEqual([404, 404]);
    expect(missing.body).toEqual(foreign.body);
  });
});

describe('updates change only what they name', () => {
  test('PATCH of a platform keeps its context and secret', async () => {
    const secret = await api('POST', `${base()}/secrets`, owner(), {
      name: `key${Date.now()}`,
      kind: 'ssh-private-key',
      value: 'not really a key',
    });
    const created = await api('POST', `${base()}/platforms`, owner(), {
      name: `lab${Date.now()}`,
      config: { kind: 'ssh', hosts: [{ host: 'lab1.example.com' }] },
      context: { distro: 'rhel-9.6' },
      secretId: secret.body.id,
    });
    expect(created.status).toBe(201);
    const updated = await api('PATCH', `${base()}/platforms/${created.body.id}`, owner(), { maxRemotes: 4 });
    expect(updated.body).toMatchObject({ maxRemotes: 4, context: { distro: 'rhel-9.6' }, secretId: secret.body.id });
    expect(updated.body.config.hosts).toEqual([{ host: 'lab1.example.com', port: 22, user: 'root' }]);
  });

  test('PATCH of a repository keeps its url', async () => {
    const created = await api('POST', `${base()}/repos`, owner(), { name: `r${Date.now()}`, url: 'https://example.com/t.git' });
    const updated = await api('PATCH', `${base()}/repos/${created.body.id}`, owner(), { ref: 'v2' });
    expect(updated.body).toMatchObject({ url: 'https://example.com/t.git', ref: 'v2', path: null });
  });

  test('names are unique per team', async () => {
    const name = `dup${Date.now()}`;
    await api('POST', `${base()}/repos`, owner(), { name, url: 'https://example.com/a.git' });
    const again = await api('POST', `${base()}/repos`, owner(), { name, url: 'https://example.com/b.git' });
    expect(again.status).toBe(409);
  });
});

describe('secrets', () => {
  test('are never returned, and are stored encrypted', async () => {
    const value = `-----BEGIN OPENSSH PRIVATE KEY-----\nsecret-${Date.now()}\n-----END OPENSSH PRIVATE KEY-----`;
    const created = await api('POST', `${base()}/secrets`, owner(), { name: `ssh${Date.now()}`, kind: 'ssh-private-key', value });
    expect(created.status).toBe(201);
    const listed = await api('GET', `${base()}/secrets`, { token: t.members.viewer.token });
    for (const response of [created, listed]) {
      expect(JSON.stringify(response.body)).not.toContain('secret-');
      expect(JSON.stringify(response.body)).not.toContain('ciphertext');
    }
    const client = new pg.Client({ connectionString: inject('databaseUrl') });
    await client.connect();
    const { rows } = await client.query('SELECT ciphertext FROM "Secret" WHERE id = $1', [created.body.id]);
    await client.end();
    expect(rows[0].ciphertext).toMatch(/^v1:/);
    expect(rows[0].ciphertext).not.toContain('secret-');
  });

  test('are not rendered into pages', async () => {
    const value = `page-secret-${Date.now()}`;
    await api('POST', `${base()}/secrets`, owner(), { name: `tf${Date.now()}`, kind: 'token', value });
    const page = await fetch(`${inject('appUrl')}/t/${t.team.slug}/secrets`, { headers: { cookie: t.members.owner.cookie } });
    const html = await page.text();
    expect(page.status).toBe(200);
    expect(html).toContain(`tf`);
    expect(html).not.toContain(value);
  });
});

describe('members and invitations', () => {
  test('an invitation works once, and only for the email it names', async () => {
    const invitee = await signUp('invitee');
    const other = await signUp('other');
    const invitation = await api('POST', `${base()}/invitations`, owner(), { email: invitee.email, role: 'member' });
    const token = inviteToken(invitation.body.url);
    expect((await api('GET', `/api/v1/invitations/${token}`)).body).toMatchObject({ teamSlug: t.team.slug, role: 'member' });
    expect((await api('POST', `/api/v1/invitations/${token}/accept`, other)).status).toBe(403);
    expect((await api('POST', `/api/v1/invitations/${token}/accept`, invitee)).status).toBe(200);
    expect((await api('POST', `/api/v1/invitations/${token}/accept`, invitee)).status).toBe(404);
    expect((await api('POST', `/api/v1/invitations/tyi_forged-token-0123456789abcdef/accept`, other)).status).toBe(404);
    expect((await api('POST', `/api/v1/invitations/garbage/accept`, other)).status).toBe(400);
  });

  test('admins cannot make owners; the last owner cannot leave', async () => {
    const admin = { token: t.members.admin.token };
    const promote = await api('PATCH', `${base()}/members/${t.members.member.id}`, admin, { role: 'owner' });
    expect(promote.status).toBe(403);
    expect((await api('DELETE', `${base()}/members/${t.members.owner.id}`, admin)).status).toBe(403);
    const demoteSelf = await api('PATCH', `${base()}/members/${t.members.owner.id}`, owner(), { role: 'admin' });
    expect(demoteSelf.status).toBe(409);
    expect(demoteSelf.body.error).toMatch(/at least one owner/);
    expect((await api('PATCH', `${base()}/members/${t.members.member.id}`, owner(), { role: 'boss' })).body.issues[0].path).toBe('role');
  });
});

describe('API tokens', () => {
  test('are shown once, work as Bearer, and stop working when revoked', async () => {
    const created = await api('POST', `${base()}/tokens`, { cookie: t.members.member.cookie }, { name: 'ci' });
    expect(created.body.token).toMatch(/^tyt_/);
    const listed = await api('GET', `${base()}/tokens`, { cookie: t.members.member.cookie });
    expect(JSON.stringify(listed.body)).not.toContain(created.body.token);
    expect((await api('GET', base(), { token: created.body.token })).status).toBe(200);
    expect((await api('DELETE', `${base()}/tokens/${created.body.id}`, { cookie: t.members.member.cookie })).status).toBe(204);
    expect((await api('GET', base(), { token: created.body.token })).status).toBe(401);
  });

  test('a malformed or unknown Authorization header is a 401', async () => {
    for (const authorization of ['Bearer nope', 'Basic dXNlcjpwYXNz', 'Bearer']) {
      const response = await fetch(`${inject('appUrl')}/api/v1/teams`, { headers: { authorization } });
      expect(response.status, authorization).toBe(401);
    }
  });

  test('cannot create teams', async () => {
    expect((await api('POST', '/api/v1/teams', owner(), { name: 'via token' })).status).toBe(403);
  });

  test("a member cannot revoke another member's token; an admin can", async () => {
    const viewerToken = await api('POST', `${base()}/tokens`, { cookie: t.members.viewer.cookie }, { name: 'v' });
    expect((await api('DELETE', `${base()}/tokens/${viewerToken.body.id}`, { token: t.members.member.token })).status).toBe(404);
    expect((await api('DELETE', `${base()}/tokens/${viewerToken.body.id}`, { token: t.members.admin.token })).status).toBe(204);
  });
});

describe('sessions', () => {
  test('the session cookie (set by the confirmation link) is httpOnly and SameSite', async () => {
    const email = `cookie-${Date.now()}@example.com`;
    await fetch(`${inject('appUrl')}/api/auth/sign-up/email`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: inject('appUrl') },
      body: JSON.stringify({ email, password: 'long enough password', name: 'c' }),
    });
    const response = await fetch(await linkInMail(inject('appDataDir'), email), { redirect: 'manual' });
    const cookie = response.headers.getSetCookie().find((c) => c.includes('session_token'))!;
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Lax/i);
  });

  test('signing out ends the session', async () => {
    const user = await signUp('leaving');
    expect((await api('GET', '/api/v1/me', user)).status).toBe(200);
    const out = await fetch(`${inject('appUrl')}/api/auth/sign-out`, {
      method: 'POST',
      headers: { cookie: user.cookie, origin: inject('appUrl'), 'content-type': 'application/json' },
      body: '{}',
    });
    expect(out.status).toBe(200);
    expect((await api('GET', '/api/v1/me', user)).status).toBe(401);
  });
});
