// The two-browser test: an admin creates a podman container platform
// and a repository of a fixture suite (one passing, one failing test) and
// starts a run, all in the browser; the admin and a viewer, each in their own
// browser, watch the results arrive live; the failing test's result page
// shows its log, and its line permalink opens in the other browser.
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, inject, test } from 'vitest';
import { api, teamWithAllRoles } from '../support/api';
import { startApp, type RunningApp } from '../support/app-server';
import { launchChromium, signedInContext } from '../support/browser';
import { fixtureTreeCopy } from '../support/fixture-trees';
import { cancelLeftoverRuns } from '../support/leftover-runs';
import { ensureTestImage, startPodmanService, testImage, type PodmanService } from '../support/podman';

/** A copy of tests/fixtures/run-pages under the temporary directory (the app reads local repositories only there). */
let fixtureSuite: string;
let podman: PodmanService;
let app: RunningApp;
const browsers: Browser[] = [];

beforeAll(async () => {
  [podman, fixtureSuite] = await Promise.all([
    startPodmanService(),
    fixtureTreeCopy('run-pages'),
    ensureTestImage(),
    cancelLeftoverRuns(inject('databaseUrl')),
  ]);
  // The shared test worker has no container engine: this app's worker (and web server, which reads its artifacts) has one.
  app = await startApp(inject('databaseUrl'), { TESTYARD_DOCKER_HOST: podman.dockerHost, TESTYARD_CONTAINER_NETWORK: 'host' });
  browsers.push(await launchChromium(), await launchChromium());
}, 300_000);

afterAll(async () => {
  await Promise.all(browsers.map((browser) => browser.close()));
  await app?.stop();
  await podman?.stop();
});

async function signedIn(browser: Browser, email: string): Promise<{ context: BrowserContext; page: Page }> {
  const context = await signedInContext(browser, app.url, email, { width: 1280, height: 720 });
  return { context, page: await context.newPage() };
}

const rows = (page: Page) => page.getByTestId('result-row');

test('two browsers: an admin sets up a platform and a repository and starts a run; both watch it live; the failing result page shows its log; its permalink opens elsewhere', async () => {
  const { team, members } = await teamWithAllRoles();
  const admin = await signedIn(browsers[0]!, members.admin.email);
  const viewer = await signedIn(browsers[1]!, members.viewer.email);
  const teamUrl = `/t/${team.slug}`;

  // The admin's browser: a container platform, the fixture suite as a repository, then a run of it.
  await admin.page.goto(`${teamUrl}/platforms`);
  await admin.page.getByLabel('Name').fill('bookworm');
  await admin.page.getByLabel('Image').fill(testImage);
  await admin.page.getByLabel('Max remotes').fill('2');
  await admin.page.getByRole('button', { name: 'Create platform' }).click();
  await expect.poll(() => admin.page.getByRole('link', { name: 'bookworm' }).count(), { timeout: 10_000 }).toBe(1);
  await admin.page.goto(`${teamUrl}/repos`);
  await admin.page.getByLabel('Name').fill('fixture-suite');
  await admin.page.getByLabel('…or a path on the worker hosts').fill(fixtureSuite);
  await admin.page.getByRole('button', { name: 'Add repository' }).click();
  await admin.page.getByRole('link', { name: 'fixture-suite' }).click();
  await admin.page.getByTestId('plan-/plans/all').getByRole('link', { name: 'Run…' }).click();
  await admin.page.waitForURL(/\/runs\/new\?/);
  await admin.page.getByLabel('bookworm').check();
  await expect.poll(() => admin.page.getByTestId('test-total').textContent()).toBe('2');
  await admin.page.getByLabel('Reruns').fill('0');
  await admin.page.getByRole('button', { name: 'Start run' }).click();
  await admin.page.waitForURL(new RegExp(`${teamUrl}/runs/\\d+$`));
  const runPath = new URL(admin.page.url()).pathname;
  const runNumber = Number(runPath.split('/').pop());

  for (const { page } of [admin, viewer]) {
    if (page === viewer.page) await page.goto(runPath);
    await expect.poll(() => page.getByTestId('live-state').textContent()).toBe('live');
    // Marks this page load: results must arrive without another one.
    await page.evaluate(() => ((window as unknown as { loadMarker: number }).loadMarker = 1));
  }

  // The team dashboard follows the run too, without reloading.
  const dashboard = await viewer.context.newPage();
  await dashboard.goto(`/t/${team.slug}`);
  await expect.poll(() => dashboard.getByTestId('live-state').textContent()).toBe('live');
  await dashboard.evaluate(() => ((window as unknown as { loadMarker: number }).loadMarker = 1));
  expect(['queued', 'running']).toContain(await dashboard.getByTestId(`run-${runNumber}`).getByTestId('run-status').textContent());

  for (const { page } of [admin, viewer]) {
    await expect.poll(() => rows(page).count(), { timeout: 180_000 }).toBe(2);
    await expect.poll(() => page.getByTestId('run-status').textContent(), { timeout: 60_000 }).toBe('failed');
    expect(await page.evaluate(() => (window as unknown as { loadMarker?: number }).loadMarker)).toBe(1);
    expect(await page.locator('[data-testid=result-row][data-status=fail]').getAttribute('data-test')).toBe('/tests/fails');
    expect(await page.getByTestId('platform-progress').textContent()).toMatch(/2\/2 done, 1 passed, 1 failed/);
  }

  const details = await api('GET', `/api/v1/teams/${team.slug}/runs/${runNumber}`, { token: members.viewer.token });
  expect(details.body.platforms.map((item: { plannedTests: number | null }) => item.plannedTests)).toEqual([2]);
  // A run that has ended is shown from its details: its timeline is not loaded again (only what follows its last event, for triage).
  const later = await viewer.context.newPage();
  const timelineRequests: string[] = [];
  later.on('request', (request) => request.url().includes('/events') && timelineRequests.push(request.url()));
  await later.goto(runPath);
  await expect.poll(() => later.getByTestId('platform-progress').textContent()).toMatch(/2\/2 done, 1 passed, 1 failed/);
  expect(await later.getByTestId('run-status').textContent()).toBe('failed');
  expect(await later.getByTestId('live-state').count()).toBe(0);
  const lastSeq = details.body.lastSeq as number;
  expect(timelineRequests.filter((url) => Number(new URL(url).searchParams.get('after')) < lastSeq)).toEqual([]);
  await later.close();

  const dashboardRow = dashboard.getByTestId(`run-${runNumber}`);
  await expect.poll(() => dashboardRow.getByTestId('run-status').textContent(), { timeout: 30_000 }).toBe('failed');
  expect(await dashboard.evaluate(() => (window as unknown as { loadMarker?: number }).loadMarker)).toBe(1);

  // The status filter is in the URL, so the filtered view is shareable.
  await admin.page.getByTestId('filter-status-fail').click();
  await admin.page.waitForURL(/status=fail/);
  await expect.poll(() => rows(admin.page).count()).toBe(1);

  await admin.page.getByRole('link', { name: '/tests/fails' }).click();
  await admin.page.waitForURL(`**${runPath}/bookworm/tests/fails`);
  await expect.poll(() => admin.page.getByTestId('result-status').textContent()).toBe('fail');
  await expect.poll(() => admin.page.getByTestId('test-metadata').textContent(), { timeout: 20_000 }).toContain('prints, then fails');
  const log = admin.page.getByTestId('log-viewer');
  await expect.poll(() => log.textContent(), { timeout: 20_000 }).toContain('something failed');
  // The ANSI red of that line is a coloured span, not escape codes.
  expect(await log.getByText('something failed', { exact: true }).evaluate((span) => getComputedStyle(span).color)).toBe(
    'rgb(205, 49, 49)',
  );
  // Searching folds case unless asked not to.
  await admin.page.getByLabel('search').fill('SOMETHING FAILED');
  await admin.page.getByRole('button', { name: 'Find' }).click();
  await expect.poll(() => admin.page.getByTestId('search-status').textContent()).toBe('match 1 of 1 (line 2)');
  await admin.page.getByLabel('Match case').check();
  await admin.page.getByRole('button', { name: 'Find' }).click();
  await expect.poll(() => admin.page.getByTestId('search-status').textContent()).toBe('no matches');
  await log.locator('[data-line="2"] a').click();
  await expect.poll(() => admin.page.url()).toMatch(/#L2$/);

  await viewer.page.goto(admin.page.url());
  await expect.poll(() => viewer.page.getByTestId('test-name').textContent()).toBe('/tests/fails');
  await expect.poll(() => viewer.page.locator('[data-testid=log-viewer] [data-line="2"]').getAttribute('class')).toMatch(/bg-yellow/);
  // The line is there (highlighted) before its text has been read.
  await expect.poll(() => viewer.page.locator('[data-testid=log-viewer] [data-line="2"]').textContent()).toContain('something failed');
}, 300_000);
