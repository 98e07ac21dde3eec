// A newcomer's first minutes, in a real Chromium: sign up (confirming the
// address through the mailed link), create a team,
// see the empty dashboard, invite a colleague as viewer, who joins through
// the link and cannot add a platform; then both sign out.
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, inject, test } from 'vitest';
import { linkInMail } from '../support/accounts';
import { launchChromium } from '../support/browser';

let browser: Browser;
beforeAll(async () => {
  browser = await launchChromium();
});
afterAll(() => browser?.close());

const password = 'a long enough password';

/** Signs up in the form, then opens the link from the confirmation mail (the test app writes mails to its data folder). */
async function signUpThrough(page: Page, name: string, email: string) {
  await page.getByLabel('Name').fill(name);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign up' }).click();
  await expect.poll(() => page.getByTestId('check-your-mail').isVisible()).toBe(true);
  await page.goto(await linkInMail(inject('appDataDir'), email));
}

test('sign up, create a team, invite a viewer who cannot create a platform, sign out', async () => {
  const app = inject('appUrl');
  const stamp = Date.now();
  const alice = await (await browser.newContext({ baseURL: app })).newPage();
  const bob = await (await browser.newContext({ baseURL: app })).newPage();

  await alice.goto('/');
  await expect.poll(() => alice.url()).toMatch(/\/sign-in$/);
  await alice.getByRole('link', { name: 'Sign up' }).first().click();
  await signUpThrough(alice, 'Alice', `alice-${stamp}@example.com`);
  await alice.waitForURL('**/teams');

  await alice.getByLabel('Team name').fill(`Browser team ${stamp}`);
  await alice.getByRole('button', { name: 'Create team' }).click();
  await alice.waitForURL(/\/t\/browser-team-\d+$/);
  await expect.poll(() => alice.getByTestId('team-name').textContent()).toBe(`Browser team ${stamp}`);
  await expect.poll(() => alice.getByTestId('no-runs').isVisible()).toBe(true);
  const teamPath = new URL(alice.url()).pathname;

  await alice.getByRole('link', { name: 'Members' }).click();
  const bobEmail = `bob-${stamp}@example.com`;
  await alice.getByLabel('Email').fill(bobEmail);
  await alice.getByLabel('Role').selectOption('viewer');
  await alice.getByRole('button', { name: 'Create invitation link' }).click();
  const inviteLink = await alice.getByTestId('invite-link').inputValue();
  expect(inviteLink).toMatch(/\/invite\/tyi_/);

  await bob.goto(inviteLink);
  await expect.poll(() => bob.getByText('is invited as').textContent()).toMatch(/viewer/);
  await bob.getByRole('link', { name: 'Sign up' }).last().click();
  await signUpThrough(bob, 'Bob', bobEmail);
  await bob.waitForURL(/\/invite\//);
  await bob.getByRole('button', { name: 'Accept invitation' }).click();
  await bob.waitForURL(`**${teamPath}`);

  await bob.getByRole('link', { name: 'Platforms' }).click();
  await expect.poll(() => bob.getByTestId('platform-admin-only').isVisible()).toBe(true);
  expect(await bob.getByRole('button', { name: 'Create platform' }).count()).toBe(0);
  const attempt = await bob.evaluate(async (path) => {
    const response = await fetch(`/api/v1/teams/${path.split('/').pop()}/platforms`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'sneaky', config: { kind: 'container', image: 'x' } }),
    });
    return { status: response.status, body: await response.json() };
  }, teamPath);
  expect(attempt.status).toBe(403);
  expect(attempt.body.error).toMatch(/needs the admin role/);

  await alice.getByRole('link', { name: 'Members' }).click();
  await expect.poll(() => alice.getByTestId(`member-${bobEmail}`).textContent()).toContain('Bob');

  for (const page of [alice, bob]) {
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL('**/sign-in');
    await page.goto('/teams');
    await expect.poll(() => page.url()).toMatch(/\/sign-in$/);
  }
});
