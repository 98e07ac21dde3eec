// Finding 4: /api/v1 had no Origin check and parsed any content type as
// JSON, so a page on another port of the same host (same-site: the Lax
// session cookie goes along) created an admin invitation through a signed-in
// victim's browser. Now every state-changing /api request needs to come from
// the app (Origin / Sec-Fetch-Site) and /api/v1 bodies must be JSON.
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser } from 'playwright-core';
import { io } from 'socket.io-client';
import { afterAll, beforeAll, expect, inject, test } from 'vitest';
import { api } from '../support/api';
import { launchChromium, pageWithCookie } from '../support/browser';
import { securityTeam } from './support';

let browser: Browser;
let attacker: Server;
let attackerOrigin: string;
let t: Awaited<ReturnType<typeof securityTeam>>;
let attackPage = '';

beforeAll(async () => {
  [browser, t] = await Promise.all([launchChromium(), securityTeam()]);
  attacker = createServer((_request, response) => response.writeHead(200, { 'content-type': 'text/html' }).end(attackPage));
  attacker.listen(0, 'localhost');
  await once(attacker, 'listening');
  attackerOrigin = `http://localhost:${(attacker.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await browser?.close();
  attacker?.close();
});

const invitationsUrl = () => `${inject('appUrl')}${t.path('/invitations')}`;
const openInvitations = async () => (await api('GET', t.path('/invitations'), t.owner)).body as { email: string }[];

test("another site's page cannot make the victim's browser create an invitation", async () => {
  const victim = await pageWithCookie(browser, inject('appUrl'), t.team.members.owner.cookie);
  const target = invitationsUrl();
  attackPage = `<!doctype html><form id="f" method="POST" action="${target}" enctype="text/plain">
    <input name='{"email":"form@evil.example","role":"admin","x":"' value='"}'></form>
    <script>
      fetch(${JSON.stringify(target)}, { method: 'POST', credentials: 'include', headers: { 'content-type': 'text/plain' }, body: JSON.stringify({ email: 'fetch@evil.example', role: 'admin' }) })
        .catch(() => {}).finally(() => { document.title = 'sent'; document.getElementById('f').submit(); });
    </script>`;
  await victim.goto(attackerOrigin);
  await victim.waitForLoadState('load');
  await expect.poll(() => victim.url(), { timeout: 10_000 }).toContain(t.path('/invitations'));
  expect(await victim.textContent('body')).toMatch(/cross-site request refused/);
  expect((await openInvitations()).map((invitation) => invitation.email)).toEqual([]);
  await victim.context().close();
});

test('the same request from the app itself works', async () => {
  const page = await pageWithCookie(browser, inject('appUrl'), t.team.members.owner.cookie);
  await page.goto(`/t/${t.team.team.slug}`);
  const status = await page.evaluate(async (url) => {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'colleague@example.com', role: 'member' }),
    });
    return response.status;
  }, invitationsUrl());
  expect(status).toBe(201);
  await page.context().close();
});

test('over HTTP: foreign or missing Origin with a cookie is 403, a non-JSON body 415, a token without Origin works', async () => {
  const post = (headers: Record<string, string>, body = JSON.stringify({ email: `x${Date.now()}@example.com` })) =>
    fetch(invitationsUrl(), { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
  const cookie = t.team.members.owner.cookie;
  expect((await post({ cookie, origin: attackerOrigin })).status).toBe(403);
  expect((await post({ cookie, origin: 'null' })).status).toBe(403);
  expect((await post({ cookie, 'sec-fetch-site': 'same-site' })).status).toBe(403);
  expect((await post({ cookie })).status).toBe(403);
  expect((await post({ cookie, origin: inject('appUrl'), 'content-type': 'text/plain' })).status).toBe(415);
  expect(
    (await post({ cookie, origin: inject('appUrl'), 'content-type': 'application/x-www-form-urlencoded' }, 'email=a@example.com')).status,
  ).toBe(415);
  expect((await post({ authorization: `Bearer ${t.owner.token}` })).status).toBe(201);
  expect((await post({ cookie, origin: inject('appUrl') })).status).toBe(201);
});

test('the live socket handshake refuses another origin', async () => {
  const refused = io(inject('appUrl'), {
    transports: ['websocket'],
    extraHeaders: { origin: attackerOrigin, cookie: t.team.members.owner.cookie },
    reconnection: false,
  });
  const allowed = io(inject('appUrl'), {
    transports: ['websocket'],
    extraHeaders: { origin: inject('appUrl'), cookie: t.team.members.owner.cookie },
    reconnection: false,
  });
  try {
    const outcome = (socket: typeof refused) =>
      new Promise<string>((resolve) => {
        socket.once('connect', () => resolve('connected'));
        socket.once('connect_error', () => resolve('refused'));
      });
    expect(await outcome(refused)).toBe('refused');
    expect(await outcome(allowed)).toBe('connected');
  } finally {
    refused.close();
    allowed.close();
  }
});
