// Finding 7: no security headers on pages or API, and a team page with a
// live session could be framed by another origin. Every response now has a
// nonce CSP (no unsafe-eval), frame-ancestors 'none', nosniff and a referrer
// policy; the pages run under that CSP without a single violation.
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, inject, test } from 'vitest';
import { runWithFailedTest } from '../app/run-pages-fixtures';
import { launchChromium, pageWithCookie } from '../support/browser';
import { securityTeam } from './support';

let browser: Browser;
let framer: Server;
let framerOrigin: string;
let framingPage = '';
let t: Awaited<ReturnType<typeof securityTeam>>;

beforeAll(async () => {
  [browser, t] = await Promise.all([launchChromium(), securityTeam()]);
  framer = createServer((_request, response) => response.writeHead(200, { 'content-type': 'text/html' }).end(framingPage));
  framer.listen(0, 'localhost');
  await once(framer, 'listening');
  framerOrigin = `http://localhost:${(framer.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await browser?.close();
  framer?.close();
});

test.each(['/', '/sign-in', '/health', '/api/v1/health', '/api/v1/teams', '/api/v1/no-such-route', '/no-such-page'])(
  '%s carries the security headers',
  async (path) => {
    const response = await fetch(`${inject('appUrl')}${path}`, { redirect: 'manual' });
    const csp = response.headers.get('content-security-policy') ?? '';
    expect(csp).toMatch(/script-src 'self' 'nonce-[\w+/=]+' 'strict-dynamic'/);
    expect(csp).not.toContain('unsafe-eval');
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toContain("object-src 'none'");
    expect(response.headers.get('x-frame-options')).toBe('DENY');
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(response.headers.get('referrer-policy')).toBe('same-origin');
  },
);

test('every response gets its own nonce, and the page uses it', async () => {
  const [a, b] = await Promise.all([fetch(`${inject('appUrl')}/sign-in`), fetch(`${inject('appUrl')}/sign-in`)]);
  const nonceOf = (response: Response) => /'nonce-([^']+)'/.exec(response.headers.get('content-security-policy') ?? '')?.[1];
  expect(nonceOf(a)).not.toBe(nonceOf(b));
  expect(await a.text()).toContain(`nonce="${nonceOf(a)}"`);
});

test("another origin cannot frame a team page, even with the visitor's session", async () => {
  const page = await pageWithCookie(browser, inject('appUrl'), t.team.members.owner.cookie);
  framingPage = `<!doctype html><iframe id="f" src="${inject('appUrl')}/t/${t.team.team.slug}" width="800" height="600"></iframe>`;
  await page.goto(framerOrigin);
  await page.waitForTimeout(1_500);
  const framed = page.frames().find((frame) => frame !== page.mainFrame());
  const content = framed ? await framed.content().catch(() => '') : '';
  expect(content).not.toContain(t.team.team.slug);
  await page.context().close();
});

/** Opens `path` and collects the CSP violations reported while the page runs. */
async function visit(page: Page, path: string): Promise<string[]> {
  const problems: string[] = [];
  page.on(
    'console',
    (message) =>
      message.type() === 'error' &&
      /Content Security Policy|CSP violation|Refused to/i.test(message.text()) &&
      problems.push(message.text()),
  );
  await page.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (event) =>
      console.error(`CSP violation: ${event.violatedDirective} ${event.blockedURI}`),
    );
  });
  await page.goto(path);
  await page.waitForLoadState('networkidle');
  return problems;
}

test('the pages run under the policy: no violations, and client code works', async () => {
  const page = await pageWithCookie(browser, inject('appUrl'), t.team.members.owner.cookie);
  for (const path of [
    '/teams',
    `/t/${t.team.team.slug}`,
    `/t/${t.team.team.slug}/platforms`,
    `/t/${t.team.team.slug}/runs/new`,
    '/health',
  ]) {
    expect(await visit(page, path), path).toEqual([]);
  }
  // hydrated React: creating a team through the form navigates to it
  await page.goto('/teams');
  await page.getByLabel('Team name').fill(`Csp team ${Date.now()}`);
  await page.getByRole('button', { name: 'Create team' }).click();
  await page.waitForURL(/\/t\/csp-team-\d+$/);
  await page.context().close();
});

test("stored test files keep their sandbox and may be framed only by the app's own result page", async () => {
  const run = await runWithFailedTest(t.team.team, t.owner.token);
  const response = await fetch(`${inject('appUrl')}${t.path(`/runs/${run.number}/files/${run.fileId}`)}`, {
    headers: { authorization: `Bearer ${t.owner.token}` },
  });
  expect(response.status).toBe(200);
  expect(response.headers.get('content-security-policy')).toMatch(/^sandbox;.*frame-ancestors 'self'/);
  expect(response.headers.get('x-frame-options')).toBe('SAMEORIGIN');
  expect(response.headers.get('x-content-type-options')).toBe('nosniff');
});
