// Finding 11: sign-up said "User already exists" (account enumeration),
// "aaaaaaaa" was a valid password, emails were never verified although
// invitations are bound to an email, .fmf/config was followed through a
// symlink out of the tree, and /api/v1/health showed host names and PIDs.
import { mkdir, mkdtemp, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect, inject, test } from 'vitest';
import { linkInMail, mailsTo } from '../support/accounts';
import { api, signUp } from '../support/api';
import { securityTeam } from './support';

const app = () => inject('appUrl');

function signUpRequest(email: string, password = 'correct horse battery') {
  return fetch(`${app()}/api/auth/sign-up/email`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: app() },
    body: JSON.stringify({ email, password, name: 'Someone' }),
  });
}

test('signing up with a taken address answers exactly as with a new one; the owner is told by mail', async () => {
  const existing = await signUp('taken');
  const fresh = `fresh-${Date.now()}@example.com`;
  const [a, b] = await Promise.all([signUpRequest(existing.email), signUpRequest(fresh)]);
  expect(a.status).toBe(b.status);
  expect(a.headers.getSetCookie()).toEqual([]);
  expect(b.headers.getSetCookie()).toEqual([]);
  const shape = (body: { user: Record<string, unknown>; token: unknown }) => ({
    token: body.token,
    keys: Object.keys(body.user).sort(),
    emailVerified: body.user.emailVerified,
  });
  expect(shape(await a.json())).toEqual(shape(await b.json()));
  await expect
    .poll(async () => (await mailsTo(inject('appDataDir'), existing.email)).map((mail) => mail.subject))
    .toContain('Someone tried to sign up with your address');
});

test('sign-in does not tell a missing account from a wrong password', async () => {
  const user = await signUp('known');
  const signIn = (email: string) =>
    fetch(`${app()}/api/auth/sign-in/email`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: app() },
      body: JSON.stringify({ email, password: 'not the password at all' }),
    });
  const [wrong, missing] = await Promise.all([signIn(user.email), signIn(`nobody-${Date.now()}@example.com`)]);
  expect(wrong.status).toBe(missing.status);
  expect(await wrong.json()).toEqual(await missing.json());
});

test.each(['aaaaaaaa', 'aaaaaaaaaaaaaaaa', 'password1234', 'qwertyuiop123', 'abababababab', 'short1!'])(
  'the password %s is refused',
  async (password) => {
    const response = await signUpRequest(`weak-${Date.now()}-${Math.random()}@example.com`, password);
    expect(response.status).toBe(400);
    expect((await response.json()).message).toMatch(/password/i);
  },
);

test('an unconfirmed account cannot sign in or accept an invitation; after confirming, it can', async () => {
  const t = await securityTeam();
  const email = `unconfirmed-${Date.now()}@example.com`;
  expect((await signUpRequest(email)).status).toBe(200);
  const invitation = await api('POST', t.path('/invitations'), t.owner, { email, role: 'admin' });
  const signIn = await fetch(`${app()}/api/auth/sign-in/email`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: app() },
    body: JSON.stringify({ email, password: 'correct horse battery' }),
  });
  expect(signIn.status).toBe(403);
  expect(
    signIn.headers.getSetCookie().filter((cookie) => cookie.includes('session_token=') && !cookie.includes('session_token=;')),
  ).toEqual([]);
  const confirmed = await fetch(await linkInMail(inject('appDataDir'), email), { redirect: 'manual' });
  const cookie = confirmed.headers
    .getSetCookie()
    .map((item) => item.split(';')[0])
    .join('; ');
  const token = new URL(invitation.body.url).pathname.split('/').pop();
  expect((await api('POST', `/api/v1/invitations/${token}/accept`, { cookie })).status).toBe(200);
});

test('.fmf/config and .fmf/version that link out of the tree are refused', async () => {
  const t = await securityTeam();
  const outside = await mkdtemp(path.join(tmpdir(), 'testyard-outside-'));
  await writeFile(path.join(outside, 'secret.yaml'), 'explore:\n  include: [".hidden"]\n');
  for (const file of ['config', 'version']) {
    const tree = await mkdtemp(path.join(tmpdir(), 'testyard-linked-'));
    await mkdir(path.join(tree, '.fmf'));
    if (file === 'config') await writeFile(path.join(tree, '.fmf', 'version'), '1\n');
    await symlink(path.join(outside, 'secret.yaml'), path.join(tree, '.fmf', file));
    await writeFile(path.join(tree, 'main.fmf'), '/plans/p:\n  discover:\n    how: fmf\n');
    const repoId = (await api('POST', t.path('/repos'), t.admin, { name: `linked-${file}`, path: tree })).body.id;
    const metadata = await api('GET', t.path(`/repos/${repoId}/metadata`), t.member);
    expect(metadata.status, JSON.stringify(metadata.body)).toBe(400);
    expect(metadata.body.error).toMatch(/links out of the tree/);
    expect(metadata.body.error).not.toContain('explore');
  }
});

test('the health API shows no host names or process ids', async () => {
  const health = await fetch(`${app()}/api/v1/health`).then(
    (response) => response.json() as Promise<{ ok: boolean; processes: Record<string, unknown>[] }>,
  );
  expect(health.ok).toBe(true);
  for (const process of health.processes) {
    expect(Object.keys(process).sort()).toEqual(['alive', 'kind', 'lastSeenAt', 'serves', 'startedAt', 'unavailable']);
    // why a kind cannot run is generic: no host, path or address of this machine
    expect(JSON.stringify(process.unavailable)).not.toMatch(/\/|\d+\.\d+\.\d+/);
  }
});
