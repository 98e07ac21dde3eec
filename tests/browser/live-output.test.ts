// Live output and line links in Chromium, against the app started as `npm
// start` starts it: a test printing a line a second, on a real sshd and in a
// real podman container, shows each line on the run page and on its own
// result page within a second of printing it; the result page then turns into
// the stored log by itself; a 60,000-line log opened at #L45000 shows that
// line on screen.
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, inject, test } from 'vitest';
import { teamWithAllRoles } from '../support/api';
import { startApp, type RunningApp } from '../support/app-server';
import { callApp, launchChromium, signedInContext } from '../support/browser';
import { fixtureTreeCopy } from '../support/fixture-trees';
import { cancelLeftoverRuns } from '../support/leftover-runs';
import { ensureTestImage, startPodmanService, testImage, type PodmanService } from '../support/podman';
import { startSshd, type SshServer } from '../support/sshd';

let podman: PodmanService;
let sshd: SshServer;
let app: RunningApp;
let browser: Browser;

beforeAll(async () => {
  [podman, sshd] = await Promise.all([startPodmanService(), startSshd(), ensureTestImage(), cancelLeftoverRuns(inject('databaseUrl'))]);
  app = await startApp(
    inject('databaseUrl'),
    { TESTYARD_DOCKER_HOST: podman.dockerHost, TESTYARD_CONTAINER_NETWORK: 'host' },
    { asNpmStart: true },
  );
  browser = await launchChromium();
}, 300_000);

afterAll(async () => {
  await browser?.close();
  await app?.stop();
  await Promise.all([podman?.stop(), sshd?.stop()]);
});

const signedIn = (email: string) => signedInContext(browser, app.url, email, { width: 1280, height: 900 });
const call = <T = { id: string }>(method: string, route: string, token: string, body?: unknown) =>
  callApp<T>(app.url, method, route, token, body);

/** From now on, the page notes when each `tick N <printed ms>` line first appears under `selector`. */
async function recordTicks(page: Page, selector: string): Promise<void> {
  await page.evaluate((within) => {
    const seen: Record<string, number> = {};
    Object.assign(window, { ticks: seen, watchingSince: Date.now() });
    const scan = () => {
      for (const element of document.querySelectorAll(within)) {
        for (const match of (element.textContent ?? '').matchAll(/tick (\d+) (\d{13})/g)) seen[`${match[1]} ${match[2]}`] ??= Date.now();
      }
    };
    new MutationObserver(scan).observe(document.body, { subtree: true, childList: true, characterData: true });
    scan();
  }, selector);
}

/** How long after printing each tick line the page showed it, in ms (lines printed before the page watched are left out). */
async function tickDelays(page: Page): Promise<number[]> {
  const { ticks, watchingSince } = await page.evaluate(() => {
    const watched = window as unknown as { ticks: Record<string, number>; watchingSince: number };
    return { ticks: watched.ticks, watchingSince: watched.watchingSince };
  });
  return Object.entries(ticks)
    .map(([key, seenAt]) => ({ printedAt: Number(key.split(' ')[1]), seenAt }))
    .filter(({ printedAt }) => printedAt >= watchingSince)
    .map(({ printedAt, seenAt }) => seenAt - printedAt);
}

test('a test printing a line a second is seen live on the run page and on its result page, which then becomes the stored log; #L45000 shows line 45,000', async () => {
  const { team, members } = await teamWithAllRoles();
  const token = members.admin.token;
  const teamApi = `/api/v1/teams/${team.slug}`;
  const key = await call('POST', `${teamApi}/secrets`, token, { name: 'lab-key', kind: 'ssh-private-key', value: sshd.privateKey });
  const lab = await call('POST', `${teamApi}/platforms`, token, {
    name: 'lab',
    config: {
      kind: 'ssh',
      hosts: [{ host: sshd.host, port: sshd.port, user: sshd.username }],
      hostKeyFingerprints: { [`${sshd.host}:${sshd.port}`]: sshd.hostKeyFingerprint },
    },
    secretId: key.id,
  });
  const box = await call('POST', `${teamApi}/platforms`, token, {
    name: 'box',
    config: { kind: 'container', image: testImage },
    maxRemotes: 2,
  });
  const repo = await call('POST', `${teamApi}/repos`, token, { name: 'live-suite', path: await fixtureTreeCopy('live-output') });
  const run = await call<{ number: number }>('POST', `${teamApi}/runs`, token, {
    repoId: repo.id,
    plan: '/plans/live',
    platforms: [lab.id, box.id],
    reruns: 0,
  });

  const context = await signedIn(members.viewer.email);
  const runPage = await context.newPage();
  await runPage.goto(`/t/${team.slug}/runs/${run.number}`);
  await expect.poll(() => runPage.getByTestId('live-state').textContent(), { timeout: 20_000 }).toBe('live');
  await recordTicks(runPage, '[data-testid=running-test-output]');

  // The ticker's own page, opened while it runs on the SSH host.
  const resultUrl = `/t/${team.slug}/runs/${run.number}/lab/tests/ticker`;
  const tickerStarted = async () => {
    const attempts = await fetch(`${app.url}${teamApi}/runs/${run.number}/attempts?platform=lab&test=/tests/ticker`, {
      headers: { authorization: `Bearer ${token}` },
    });
    return attempts.ok || JSON.stringify(await call('GET', `${teamApi}/runs/${run.number}`, token));
  };
  await expect.poll(tickerStarted, { timeout: 120_000 }).toBe(true);
  const resultPage = await context.newPage();
  await resultPage.goto(resultUrl);
  await expect
    .poll(() => resultPage.getByTestId('live-output-state').textContent(), { timeout: 20_000 })
    .toBe('running: following its output live');
  await resultPage.evaluate(() => ((window as unknown as { loadMarker: number }).loadMarker = 1));
  await recordTicks(resultPage, '[data-testid=log-viewer]');

  // When the attempt is stored the page shows its files and the stored log, without being loaded again.
  await expect.poll(() => resultPage.getByTestId('file-link').allTextContents(), { timeout: 60_000 }).toEqual(['output.txt']);
  expect(await resultPage.evaluate(() => (window as unknown as { loadMarker?: number }).loadMarker)).toBe(1);
  expect(await resultPage.getByTestId('result-status').textContent()).toBe('pass');
  await expect.poll(() => resultPage.getByTestId('line-count').textContent(), { timeout: 20_000 }).toMatch(/^12 lines, \d+ B$/);
  await expect
    .poll(() => resultPage.locator('[data-testid=log-viewer] [data-line="12"]').textContent(), { timeout: 20_000 })
    .toMatch(/tick 12 \d{13}/);
  await expect.poll(() => runPage.getByTestId('run-status').textContent(), { timeout: 120_000 }).toBe('passed');

  // Every line showed up within a second of being printed, on both pages (ticks on both platforms for the run page).
  const onRunPage = await tickDelays(runPage);
  const onResultPage = await tickDelays(resultPage);
  expect(onRunPage.length).toBeGreaterThanOrEqual(8);
  expect(onResultPage.length).toBeGreaterThanOrEqual(3);
  expect(Math.max(...onRunPage), JSON.stringify(onRunPage)).toBeLessThan(1000);
  expect(Math.max(...onResultPage), JSON.stringify(onResultPage)).toBeLessThan(1000);

  // A permanent link to line 45,000 of the 60,000-line log, opened in a fresh tab, shows that line on screen, highlighted.
  const linked = await context.newPage();
  await linked.goto(`/t/${team.slug}/runs/${run.number}/box/tests/noisy#L45000`);
  const line = linked.locator('[data-testid=log-viewer] [data-line="45000"]');
  await expect.poll(() => line.textContent(), { timeout: 20_000 }).toContain('noisy line 45000 of sixty thousand');
  expect(await line.getAttribute('data-selected')).toBe('true');
  const onScreen = await line.evaluate((element) => {
    const { top, bottom } = element.getBoundingClientRect();
    return top >= 0 && bottom <= window.innerHeight;
  });
  expect(onScreen).toBe(true);

  // A block of lines, and the copy-link button of a line in it.
  await linked.goto(`/t/${team.slug}/runs/${run.number}/box/tests/noisy#L59990-L60000`);
  await expect.poll(() => linked.locator('[data-testid=log-viewer] [data-selected]').count(), { timeout: 20_000 }).toBe(11);
  await context.grantPermissions(['clipboard-read', 'clipboard-write']);
  await linked.locator('[data-testid=log-viewer] [data-line="59995"]').hover();
  await linked.locator('[data-testid=log-viewer] [data-line="59995"] [data-testid=copy-line-link]').click();
  expect(await linked.evaluate(() => navigator.clipboard.readText())).toBe(
    `${app.url}/t/${team.slug}/runs/${run.number}/box/tests/noisy#L59990-L60000`,
  );
  await context.close();
}, 300_000);
