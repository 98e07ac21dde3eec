// Triage together, in Chromium: two people watch the same running run of a
// few hundred tests (on a local platform of this file's own app). One makes a
// known issue from a failure's result page in two clicks and a waiver on the
// Waivers page, and sets a failure's state; the other sees the labels (with
// the output line that matched), the waived failures and the counts change
// without reloading.
import type { Browser, Page } from 'playwright-core';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, inject, test } from 'vitest';
import { teamWithAllRoles } from '../support/api';
import { startApp, type RunningApp } from '../support/app-server';
import { callApp, launchChromium, signedInContext } from '../support/browser';
import { cancelLeftoverRuns } from '../support/leftover-runs';

let app: RunningApp;
let browser: Browser;

const testCount = 240;
const name = (index: number) => `/tests/t${String(index).padStart(3, '0')}`;
/** Every 20th test crashes (line 2 of its output says so), every 20th from the 10th times out; the rest pass. */
function suiteFile(): string {
  const nodes = [];
  for (let index = 1; index <= testCount; index++) {
    const script =
      index % 20 === 0
        ? 'printf "boot\\nfrobnicator: segfault at 0xdead\\n"; exit 1'
        : index % 20 === 10
          ? 'echo "timed out talking to the mirror"; exit 1'
          : 'echo ok';
    nodes.push(`/t${String(index).padStart(3, '0')}:\n    test: '${script}'\n`);
  }
  // one crash that comes well after the rest, to be labelled live
  nodes.push(`/zz-late:\n    test: 'sleep 40; printf "boot\\nfrobnicator: segfault at 0xdead\\n"; exit 1'\n`);
  return nodes.join('');
}

beforeAll(async () => {
  await cancelLeftoverRuns(inject('databaseUrl'));
  app = await startApp(inject('databaseUrl'), { TESTYARD_ENABLE_LOCAL: '1' });
  browser = await launchChromium();
}, 300_000);

afterAll(async () => {
  await browser?.close();
  await app?.stop();
});

const signedIn = (email: string) => signedInContext(browser, app.url, email, { width: 1400, height: 900 });
const call = <T = { id: string }>(method: string, route: string, token: string, body?: unknown) =>
  callApp<T>(app.url, method, route, token, body);

const row = (page: Page, test: string) => page.locator(`[data-testid=result-row][data-test="${test}"]`);

test('a known issue, a waiver and a triage state made by one person appear for another without reloading', async () => {
  const { team, members } = await teamWithAllRoles();
  const teamApi = `/api/v1/teams/${team.slug}`;
  const tree = await mkdtemp(path.join(tmpdir(), 'testyard-triage-browser-'));
  for (const [file, text] of Object.entries({
    '.fmf/version': '1\n',
    'plans/main.fmf': 'discover:\n    how: fmf\nexecute:\n    how: tmt\n',
    'plans/all.fmf': 'summary: every test\n',
    'tests/main.fmf': suiteFile(),
  })) {
    await mkdir(path.dirname(path.join(tree, file)), { recursive: true });
    await writeFile(path.join(tree, file), text);
  }
  const admin = members.admin.token;
  const repo = await call('POST', `${teamApi}/repos`, admin, { name: 'big', path: tree });
  const platform = await call('POST', `${teamApi}/platforms`, admin, { name: 'here', config: { kind: 'local' }, maxRemotes: 4 });
  const run = await call<{ number: number }>('POST', `${teamApi}/runs`, admin, {
    repoId: repo.id,
    plan: '/plans/all',
    platforms: [platform.id],
    reruns: 0,
  });

  const triager = await (await signedIn(members.member.email)).newPage();
  const watcher = await (await signedIn(members.viewer.email)).newPage();
  const runUrl = `/t/${team.slug}/runs/${run.number}`;
  await Promise.all([triager.goto(runUrl), watcher.goto(runUrl)]);
  await expect.poll(() => watcher.getByTestId('live-state').textContent(), { timeout: 30_000 }).toBe('live');
  await watcher.evaluate(() => ((window as unknown as { loadMarker: number }).loadMarker = 1));
  // Only failures, so the rows looked at are on screen (the table renders the visible rows only).
  await watcher.getByTestId('filter-status-fail').click();

  // The first crash, stored: its result page offers a known issue prefilled from it and the log line picked.
  await expect.poll(() => row(watcher, name(20)).getAttribute('data-status'), { timeout: 120_000 }).toBe('fail');
  await triager.goto(`/t/${team.slug}/runs/${run.number}/here${name(20)}#L2`);
  await expect
    .poll(() => triager.locator('[data-testid=log-viewer] [data-line="2"]').textContent(), { timeout: 20_000 })
    .toMatch(/segfault/);
  await triager.getByTestId('new-known-issue').click();
  await triager.getByTestId('known-issue-title').fill('frobnicator segfaults');
  await triager.getByTestId('known-issue-url').fill('https://bugs.example.com/4711');
  expect(await triager.getByTestId('known-issue-text').inputValue()).toBe('frobnicator: segfault at 0xdead');
  const testPattern = triager.getByLabel('Test name pattern (regular expression)');
  expect(await testPattern.inputValue()).toBe(`^${name(20)}$`);
  // every test that crashes this way, not only this one
  await testPattern.fill('^/tests/');
  await triager.getByRole('button', { name: 'Create known issue' }).click();
  await expect.poll(() => triager.getByTestId('known-issue-label').count(), { timeout: 20_000 }).toBe(1);

  // The watcher's table labels the crash with the line that matched.
  await expect.poll(() => row(watcher, name(20)).getByTestId('known-issue-line').textContent(), { timeout: 20_000 }).toBe('L2');
  expect(await row(watcher, name(20)).getByTestId('known-issue-line').getAttribute('href')).toBe(
    `/t/${team.slug}/runs/${run.number}/here${name(20)}?attempt=1#L2`,
  );
  expect(await row(watcher, name(20)).getByTestId('triage-cell').getAttribute('data-state')).toBe('known-issue');

  // A waiver for the mirror timeouts, made on the Waivers page.
  await triager.goto(`/t/${team.slug}/waivers`);
  await triager.getByTestId('waiver-test').fill('^/tests/t\\d[13579]0$');
  await triager.getByTestId('waiver-reason').fill('the mirror is down this week');
  await triager.getByRole('button', { name: 'Create waiver' }).click();
  await expect.poll(() => triager.getByTestId('waiver').count(), { timeout: 20_000 }).toBe(1);
  await expect.poll(() => row(watcher, name(10)).getByTestId('waived-label').count(), { timeout: 20_000 }).toBe(1);
  await expect.poll(() => watcher.getByTestId('triage-counts').textContent(), { timeout: 20_000 }).toMatch(/waived/);

  // The late crash is labelled as it is stored.
  await watcher.getByLabel('name filter').fill('zz-late');
  await expect.poll(() => row(watcher, '/tests/zz-late').getByTestId('known-issue-line').textContent(), { timeout: 120_000 }).toBe('L2');
  await watcher.getByLabel('name filter').fill('');

  // A triage state set on the run page shows for the watcher, with the counts.
  await expect.poll(() => watcher.getByTestId('run-status').textContent(), { timeout: 120_000 }).toBe('failed');
  await triager.goto(runUrl);
  await triager.getByTestId('filter-status-fail').click();
  const counts = () => watcher.getByTestId('triage-counts').textContent();
  const failures = 2 * (testCount / 20) + 1;
  // every crash is a known issue and every timeout is waived: all triaged
  await expect.poll(counts, { timeout: 20_000 }).toBe(`${failures} failures, ${failures} triaged, ${testCount / 20} waived`);
  await row(triager, name(20)).getByTestId('triage-state').selectOption('investigating');
  await expect
    .poll(() => row(watcher, name(20)).getByTestId('triage-cell').getAttribute('data-state'), { timeout: 20_000 })
    .toBe('investigating');
  expect(await row(watcher, name(20)).textContent()).toContain('by member');
  // the watcher is a viewer: no controls
  expect(await watcher.getByTestId('triage-state').count()).toBe(0);

  // Filtering by triage state.
  await watcher.getByTestId('filter-triage-waived').click();
  await expect.poll(() => watcher.getByTestId('results-total').textContent(), { timeout: 20_000 }).toBe(`${testCount / 20} results`);
  expect(await row(watcher, name(10)).getByTestId('triage-cell').getAttribute('data-state')).toBe('waived');
  expect(await watcher.evaluate(() => (window as unknown as { loadMarker?: number }).loadMarker)).toBe(1);

  // On the result page too: a state set there shows for its setter and for a watcher of the same page, unreloaded.
  const resultUrl = `/t/${team.slug}/runs/${run.number}/here${name(20)}`;
  await Promise.all([triager.goto(resultUrl), watcher.goto(resultUrl)]);
  const panelState = (page: typeof watcher) => page.getByTestId('result-triage').getByTestId('triage-cell').getAttribute('data-state');
  expect(await panelState(watcher)).toBe('investigating');
  await watcher.evaluate(() => ((window as unknown as { loadMarker: number }).loadMarker = 2));
  await triager.getByTestId('result-triage').getByTestId('triage-state').selectOption('fixed');
  await expect.poll(() => panelState(triager), { timeout: 20_000 }).toBe('fixed');
  expect(await triager.getByTestId('result-triage').getByTestId('triage-state').inputValue()).toBe('fixed');
  await expect.poll(() => panelState(watcher), { timeout: 20_000 }).toBe('fixed');
  expect(await watcher.evaluate(() => (window as unknown as { loadMarker?: number }).loadMarker)).toBe(2);
}, 600_000);
