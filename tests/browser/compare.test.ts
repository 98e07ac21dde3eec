// Comparing runs in Chromium: two runs of 300 tests each (stored as the
// worker stores them); from the run page one user follows "Compare with
// previous", copies the comparison's URL, and a second user opening that URL
// sees the same comparison. The run page groups its failures by cause.
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, inject, test } from 'vitest';
import { createDb, type Db } from '../../lib/server/db/client';
import { api, teamWithAllRoles } from '../support/api';
import { launchChromium, pageWithCookie } from '../support/browser';
import { writeFixtureTree } from '../app/setup-fixture';
import { seedResults, type SeededTest } from '../app/run-pages-seed';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';

const screenshots = process.env.TESTYARD_SCREENSHOTS;
const tests = 300;
let browser: Browser;
let db: Db;

beforeAll(async () => {
  browser = await launchChromium();
  db = createDb(inject('databaseUrl'));
});

afterAll(async () => {
  await browser?.close();
  await db?.$disconnect();
});

const testName = (index: number) => `/tests/area-${index % 7}/case-${String(index).padStart(3, '0')}`;

/** Base: every 25th test fails an assertion. Head: those still do (other numbers), every 30th (from 1) times out, every 100th (from 50) is gone, 20 are new. */
function suite(head: boolean): SeededTest[] {
  const seeded: SeededTest[] = [];
  for (let index = 0; index < tests + (head ? 20 : 0); index++) {
    if (head && index % 100 === 50) continue;
    if (!head && index >= tests) continue;
    if (index % 25 === 0)
      seeded.push({ name: testName(index), status: 'fail', note: `AssertionError: expected ${index} got ${index + (head ? 2 : 1)}` });
    else if (head && index % 30 === 1)
      seeded.push({ name: testName(index), status: 'fail', note: `ERROR: timed out after ${index} s waiting for 10.0.0.${index % 200}` });
    else seeded.push({ name: testName(index), status: 'pass' });
  }
  return seeded;
}

async function snap(page: Page, name: string): Promise<void> {
  if (screenshots) await page.screenshot({ path: path.join(screenshots, `compare-${name}.png`), fullPage: true });
}

test('a comparison opened from the run page, copied, and opened by a second user shows the same; failures grouped by cause', async () => {
  const { team, members } = await teamWithAllRoles();
  const owner = { token: members.owner.token };
  const teamApi = `/api/v1/teams/${team.slug}`;
  const folder = await mkdtemp(path.join(tmpdir(), 'testyard-compare-tree-'));
  await writeFixtureTree(folder);
  const repo = await api('POST', `${teamApi}/repos`, owner, { name: 'suite', path: folder });
  const platform = await api('POST', `${teamApi}/platforms`, owner, { name: 'fedora', config: { kind: 'container', image: 'img' } });
  const runs: { number: number; id: string; platforms: { id: string }[] }[] = [];
  for (const head of [false, true]) {
    const created = await api('POST', `${teamApi}/runs`, owner, {
      repoId: repo.body.id,
      plan: '/plans/smoke',
      platforms: [platform.body.id],
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    await api('POST', `${teamApi}/runs/${created.body.number}/cancel`, owner);
    await seedResults(db, { runId: created.body.id, runPlatformId: created.body.platforms[0].id, teamId: team.id }, suite(head));
    runs.push(created.body);
  }
  const [base, head] = runs as [(typeof runs)[0], (typeof runs)[0]];
  // The timeouts of tests the base run had too (the others are new tests).
  const newFailures = suite(true).filter((item) => item.note?.startsWith('ERROR') && Number(item.name.slice(-3)) < tests);

  const first = await pageWithCookie(browser, inject('appUrl'), members.member.cookie);
  await first.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin: new URL(inject('appUrl')).origin });
  await first.setViewportSize({ width: 1280, height: 900 });
  await first.goto(`/t/${team.slug}/runs/${head.number}`);
  // Assertion failures and timeouts: two causes.
  const failureCount = suite(true).filter((item) => item.status === 'fail').length;
  await expect.poll(() => first.getByTestId('failure-groups-summary').textContent()).toBe(`${failureCount} failures, 2 causes`);
  const groupCounts = await first.getByTestId('failure-group-count').allTextContents();
  expect(groupCounts.map((count) => Number.parseInt(count)).reduce((a, b) => a + b)).toBe(failureCount);
  await expect.poll(() => first.getByTestId('failure-group-evidence').first().textContent()).toMatch(/AssertionError|timed out/);
  await snap(first, 'run-page');

  await first.getByTestId('compare-previous').click();
  await first.waitForURL(`**/t/${team.slug}/runs/${head.number}/compare/${base.number}`);
  const fedora = first.locator('[data-testid="compare-summary-row"][data-platform="fedora"]');
  await expect.poll(() => fedora.getByTestId('count-new-failures').textContent()).toBe(String(newFailures.length));
  await expect.poll(() => fedora.getByTestId('count-missing').textContent()).toBe('3');
  await expect.poll(() => fedora.getByTestId('count-new-tests').textContent()).toBe('20');
  const newList = first.getByTestId('compare-list-new-failures');
  expect(await newList.getByTestId('compare-test').allTextContents()).toEqual(newFailures.map((item) => item.name).sort());
  expect(
    new Set(await newList.getByTestId('compare-cause').evaluateAll((nodes) => nodes.map((node) => node.getAttribute('data-cause')))),
  ).toEqual(new Set(['new cause']));
  const stillList = first.getByTestId('compare-list-still-failing');
  expect(
    new Set(await stillList.getByTestId('compare-cause').evaluateAll((nodes) => nodes.map((node) => node.getAttribute('data-cause')))),
  ).toEqual(new Set(['also in base']));
  await snap(first, 'comparison');
  const firstView = await first.getByTestId('compare-summary').textContent();

  await first.getByTestId('copy-link').click();
  await expect.poll(() => first.getByTestId('copy-link').textContent()).toBe('Link copied');
  const copied = await first.evaluate(() => navigator.clipboard.readText());
  expect(copied).toBe(first.url());

  const second = await pageWithCookie(browser, inject('appUrl'), members.viewer.cookie);
  await second.setViewportSize({ width: 1280, height: 900 });
  await second.goto(copied);
  await expect.poll(() => second.getByTestId('compare-title').textContent()).toBe(await first.getByTestId('compare-title').textContent());
  expect(await second.getByTestId('compare-summary').textContent()).toBe(firstView);
  expect(await second.getByTestId('compare-list-new-failures').getByTestId('compare-test').allTextContents()).toEqual(
    newFailures.map((item) => item.name).sort(),
  );
  await snap(second, 'comparison-second-user');

  // A failure's result page explains its signature; the signature's page counts it across both runs.
  await second.getByTestId('compare-list-still-failing').getByTestId('compare-test').first().click();
  await expect.poll(() => second.getByTestId('signature-line').first().textContent()).toMatch(/AssertionError: expected \d+ got \d+/);
  expect(await second.getByTestId('signature-line').first().textContent()).toContain('AssertionError: expected <N> got <N>');
  await snap(second, 'result-signature');
  await second.getByTestId('failure-signature').getByRole('link').click();
  const assertionFailures = [...suite(false), ...suite(true)].filter((item) => item.note?.startsWith('AssertionError')).length;
  await expect.poll(() => second.getByTestId('signature-counts').textContent()).toBe(`${assertionFailures} failures in 2 runs`);
  await snap(second, 'signature');
  await first.context().close();
  await second.context().close();
});
