// A newcomer's first run, in a real Chromium on a real podman engine: sign
// up, create a team, add the shipped example from the empty dashboard in one
// click, start the run, see its long test running and the run finish, and
// open the failing test's page with its note, sub-result and file.
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, inject, test } from 'vitest';
import { linkInMail } from '../support/accounts';
import { startApp, type RunningApp } from '../support/app-server';
import { launchChromium } from '../support/browser';
import { cancelLeftoverRuns } from '../support/leftover-runs';
import { ensureTestImage, startPodmanService, testImage, type PodmanService } from '../support/podman';

let podman: PodmanService;
let app: RunningApp;
let browser: Browser;

beforeAll(async () => {
  [podman] = await Promise.all([startPodmanService(), ensureTestImage(), cancelLeftoverRuns(inject('databaseUrl'))]);
  // No registry here: the example's platform uses the locally built image. The network is the engine's default, as on a laptop.
  app = await startApp(inject('databaseUrl'), { TESTYARD_DOCKER_HOST: podman.dockerHost, TESTYARD_EXAMPLE_IMAGE: testImage });
  browser = await launchChromium();
}, 300_000);

afterAll(async () => {
  await browser?.close();
  await app?.stop();
  await podman?.stop();
});

test('sign up, create a team, add the example in one click, run it and watch it finish', async () => {
  const page = await (await browser.newContext({ baseURL: app.url, viewport: { width: 1280, height: 900 } })).newPage();
  const stamp = Date.now();
  await page.goto('/sign-up');
  await page.getByLabel('Name').fill('Newcomer');
  const email = `newcomer-${stamp}@example.com`;
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill('a long enough password');
  await page.getByRole('button', { name: 'Sign up' }).click();
  // The address is confirmed through the link mailed to it (no SMTP here: the app's mail folder).
  await page.goto(await linkInMail(app.dataDir, email));
  await page.waitForURL('**/teams');
  await page.getByLabel('Team name').fill(`First run ${stamp}`);
  await page.getByRole('button', { name: 'Create team' }).click();
  await page.waitForURL(/\/t\/first-run-\d+$/);
  const teamPath = new URL(page.url()).pathname;

  // This app's worker has a container engine: the offer has no warning.
  await expect.poll(() => page.getByTestId('example-offer').textContent()).toContain(testImage);
  expect(await page.getByTestId('example-containers-unavailable').count()).toBe(0);
  await page.getByRole('button', { name: 'Add the example' }).click();
  await page.waitForURL(/\/runs\/new\?/);
  await expect.poll(() => page.getByTestId('test-total').textContent(), { timeout: 30_000 }).toBe('3');
  expect(await page.getByLabel('Plan').inputValue()).toBe('/plans/example');
  expect(await page.getByRole('checkbox', { name: 'example' }).isChecked()).toBe(true);
  await page.getByRole('button', { name: 'Start run' }).click();
  await page.waitForURL(new RegExp(`${teamPath}/runs/1$`));

  // The counting test runs for 15 s: long enough to be seen running, its lines arriving as it prints them.
  await expect.poll(() => page.getByTestId('running-tests').textContent(), { timeout: 120_000 }).toContain('/tests/counting');
  await expect.poll(() => page.getByTestId('running-tests').textContent(), { timeout: 30_000 }).toMatch(/line 3 of 15/);
  await expect.poll(() => page.getByTestId('run-status').textContent(), { timeout: 120_000 }).toBe('failed');
  await expect.poll(() => page.getByTestId('result-row').count()).toBe(3);
  expect(await page.getByTestId('platform-progress').textContent()).toMatch(/3\/3 done, 2 passed, 1 failed/);

  await page.getByRole('link', { name: '/tests/report' }).click();
  await page.waitForURL(`**${teamPath}/runs/1/example/tests/report`);
  await expect.poll(() => page.getByTestId('result-note').textContent()).toBe('expected 42, got 41');
  expect(await page.getByTestId('sub-result').textContent()).toMatch(/pass.*environment.*bash \d/);
  expect(await page.getByTestId('file-link').allTextContents()).toContain('comparison.txt');
  await expect.poll(() => page.getByTestId('log-viewer').textContent(), { timeout: 20_000 }).toMatch(/expected: 42.*actual: {3}41/);
}, 300_000);
