// Two people on the same result page in Chromium, each in their own browser
// context on the shared app: each sees the other (and the other's selected
// log lines), a comment with an @mention written by one appears for the other
// without a reload while the mentioned one's unread count goes up, and whoever
// leaves (navigating away, or closing the tab) is gone within seconds.
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, inject, test } from 'vitest';
import { teamWithAllRoles } from '../support/api';
import { launchChromium, pageWithCookie } from '../support/browser';
import { runWithFailedTest } from '../app/run-pages-fixtures';

let browser: Browser;

beforeAll(async () => {
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
});

const viewers = (page: Page) =>
  page.getByTestId('presence-viewer').evaluateAll((items) => items.map((item) => item.getAttribute('data-user')));

test('presence, a live comment with a mention and the unread count, between two browsers', async () => {
  const { team, members } = await teamWithAllRoles();
  const run = await runWithFailedTest(team, members.owner.token);
  const resultPage = `/t/${team.slug}/runs/${run.number}/${run.platform}/tests/seeded`;
  const member = await pageWithCookie(browser, inject('appUrl'), members.member.cookie);
  const viewer = await pageWithCookie(browser, inject('appUrl'), members.viewer.cookie);
  for (const page of [member, viewer]) await page.setViewportSize({ width: 1280, height: 900 });

  await viewer.goto(`${resultPage}#L1-L2`);
  await member.goto(resultPage);
  const both = [members.member.id, members.viewer.id].sort();
  await expect.poll(async () => (await viewers(member)).sort(), { timeout: 15_000 }).toEqual(both);
  await expect.poll(async () => (await viewers(viewer)).sort(), { timeout: 15_000 }).toEqual(both);
  await expect.poll(() => member.getByTestId('presence-selection').textContent(), { timeout: 10_000 }).toBe('L1-L2');
  await viewer.evaluate(() => Object.assign(window, { notReloaded: true }));

  // The bug report summary of what the viewer looks at, selected lines included.
  await viewer.context().grantPermissions(['clipboard-read', 'clipboard-write']);
  await viewer.getByTestId('copy-bug-report').click();
  await expect.poll(() => viewer.getByTestId('copy-bug-report').textContent()).toBe('Copied');
  const report = await viewer.evaluate(() => navigator.clipboard.readText());
  const origin = inject('appUrl');
  expect(report).toContain(`**Test:** \`/tests/seeded\` on \`${run.platform}\``);
  expect(report).toContain('**Status:** fail');
  expect(report).toContain(`**Run:** [#${run.number}](${origin}/t/${team.slug}/runs/${run.number})`);
  expect(report).toContain(`**Log:** [empty.log, lines 1–2](${origin}${resultPage}#L1-L2)`);

  // Viewers read comments but do not write them.
  expect(await viewer.getByTestId('comment-input').count()).toBe(0);
  expect(await viewer.getByTestId('notification-count').count()).toBe(0);

  // The member mentions the viewer through the autocomplete.
  const input = member.getByTestId('comment-input');
  await input.click();
  await input.pressSequentially('Seen this before, @view');
  await member.getByTestId('mention-suggestions').getByText('viewer', { exact: true }).waitFor();
  await input.press('Enter');
  await input.pressSequentially('can you check **DNS**?');
  expect(await input.inputValue()).toBe('Seen this before, @[viewer] can you check **DNS**?');
  await member.getByTestId('comment-submit').click();

  const comment = viewer.getByTestId('comment-body');
  await expect
    .poll(
      () =>
        comment
          .first()
          .innerHTML()
          .catch(() => ''),
      { timeout: 10_000 },
    )
    .toContain('<strong>DNS</strong>');
  expect(await comment.first().locator('.mention').textContent()).toBe('@viewer');
  await expect
    .poll(
      () =>
        viewer
          .getByTestId('notification-count')
          .textContent()
          .catch(() => null),
      { timeout: 10_000 },
    )
    .toBe('1');
  expect(await viewer.evaluate(() => (window as unknown as { notReloaded?: boolean }).notReloaded)).toBe(true);

  // Leaving the page: gone for the other within seconds.
  const left = Date.now();
  await member.goto('/notifications');
  await expect.poll(() => viewers(viewer), { timeout: 5_000 }).toEqual([members.viewer.id]);
  await member.goto(resultPage);
  await expect.poll(async () => (await viewers(viewer)).length, { timeout: 10_000 }).toBe(2);
  await member.context().close();
  await expect.poll(() => viewers(viewer), { timeout: 5_000 }).toEqual([members.viewer.id]);
  expect(Date.now() - left).toBeLessThan(20_000);

  // The inbox links to the comment; opening it marks it read.
  await viewer.goto('/notifications');
  await viewer.getByTestId('notification').first().getByRole('link').click();
  await viewer.waitForURL(/#comment-/);
  await expect.poll(() => viewer.getByTestId('notification-count').count(), { timeout: 10_000 }).toBe(0);
  await viewer.context().close();
}, 120_000);
