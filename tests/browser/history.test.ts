// A team's history in Chromium, at a realistic size (300 runs, a test with
// 250 of them): a viewer goes from a result row to the test's history (its
// status strip shows the reruns that passed as flaky and links each run's
// result), opens the runs index with filters from a shared URL, and follows
// a chart's point to the run behind it.
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, inject, test } from 'vitest';
import { seedHistory, type HistorySeed } from '../../bench/history-seed';
import { createDb, type Db } from '../../lib/server/db/client';
import { signUp } from '../support/api';
import { launchChromium, pageWithCookie } from '../support/browser';

const slug = `history-browser-${Date.now()}`;
let browser: Browser;
let db: Db;
let seed: HistorySeed;
let page: Page;

beforeAll(async () => {
  db = createDb(inject('databaseUrl'));
  const [viewer, seeded] = await Promise.all([
    signUp('history-viewer'),
    seedHistory(db, { runs: 300, historyRuns: 250, results: 6_000, tests: 40 }, slug),
  ]);
  seed = seeded;
  await db.membership.create({ data: { teamId: seed.teamId, userId: viewer.id, role: 'viewer' } });
  browser = await launchChromium();
  page = await pageWithCookie(browser, inject('appUrl'), viewer.cookie);
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await db?.$disconnect();
});

test("from a result row to the test's history: a strip of its last 200 runs, flaky reruns marked, each linking its result", async () => {
  await page.goto(`/t/${slug}/runs/300`);
  const row = page.locator(`[data-testid=result-row][data-test="${seed.historyTest}"][data-status]`).filter({ hasText: seed.platform });
  await row.getByTestId('history-link').click();
  await page.waitForURL(/\/history\?/);
  expect(await page.getByTestId('history-test').textContent()).toBe(seed.historyTest);
  const cells = page.getByTestId('history-cell');
  expect(await cells.count()).toBe(200);
  // Runs whose number is a multiple of 9 failed on attempt 1 and passed on the rerun.
  const flaky = page.locator('[data-testid=history-cell][data-outcome=flaky]');
  expect(await flaky.count()).toBeGreaterThan(15);
  const label = await flaky.first().getAttribute('aria-label');
  const runNumber = Number(/run (\d+)/.exec(label ?? '')![1]);
  expect(runNumber % 9).toBe(0);
  await flaky.first().click();
  await page.waitForURL(new RegExp(`/runs/${runNumber}/${seed.platform}/tests/history/login$`));
  expect(await page.getByTestId('attempt-link').count()).toBe(2);
  // and back from the result page
  await page.getByTestId('test-history-link').click();
  await page.waitForURL(/\/history\?/);
});

test('the runs index applies the filters of a shared URL and keeps them in its form and its next page', async () => {
  const expected = (
    await db.run.findMany({
      where: { teamId: seed.teamId, status: 'failed', plan: '/plans/p3' },
      orderBy: { number: 'desc' },
      select: { number: true },
    })
  ).map((run) => String(run.number));
  expect(expected.length).toBeGreaterThan(2);
  await page.goto(`/t/${slug}/runs?status=failed&plan=/plans/p3&limit=2`);
  const numbers = () => page.getByTestId('runs-index-row').evaluateAll((rows) => rows.map((row) => row.getAttribute('data-run')));
  expect(await numbers()).toEqual(expected.slice(0, 2));
  expect(await page.locator('select[name=status]').inputValue()).toBe('failed');
  expect(await page.locator('input[name=plan]').inputValue()).toBe('/plans/p3');
  await page.getByTestId('runs-older').click();
  await page.waitForURL(/after=/);
  expect(await numbers()).toEqual(expected.slice(2, 4));

  await page.goto(`/t/${slug}/runs?commit=not-hex`);
  expect(await page.getByTestId('runs-invalid').textContent()).toMatch(/commit/);
});

test("a chart's point opens the run behind it; its numbers are in a table too", async () => {
  await page.goto(`/t/${slug}/charts`);
  const chart = page.getByTestId('chart-run-duration');
  const point = chart.getByTestId('chart-point').last();
  const href = await point.getAttribute('href');
  expect(href).toBe(`/t/${slug}/runs/300`);
  await chart.locator('summary').click();
  expect(await chart.locator('table tbody tr').count()).toBe(100);
  await point.click();
  await page.waitForURL(new RegExp(`/t/${slug}/runs/300$`));
});
