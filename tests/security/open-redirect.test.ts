// Finding 8: signing in at /sign-in?next=/%5C127.0.0.1:8997/x sent the
// browser to another host ("/\host" reads as "//host"). After signing in,
// the browser now only ever goes to a path of this site.
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, inject, test } from 'vitest';
import { signUp } from '../support/api';
import { launchChromium } from '../support/browser';

let browser: Browser;
let user: Awaited<ReturnType<typeof signUp>>;
beforeAll(async () => {
  [browser, user] = await Promise.all([launchChromium(), signUp('redirected')]);
});
afterAll(() => browser?.close());

test.each(['/%5C127.0.0.1:8997/x', '//127.0.0.1:8997/x', '/%09/127.0.0.1:8997/x', 'https://127.0.0.1:8997/x', '/\\/127.0.0.1:8997/x'])(
  'next=%s stays on the app',
  async (next) => {
    const context = await browser.newContext({ baseURL: inject('appUrl') });
    const page = await context.newPage();
    await page.goto(`/sign-in?next=${next}`);
    await page.getByLabel('Email').fill(user.email);
    await page.getByLabel('Password').fill('correct horse battery');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect
      .poll(
        () =>
          page
            .getByTestId('signed-in-as')
            .isVisible()
            .catch(() => false),
        { timeout: 15_000 },
      )
      .toBe(true);
    expect(new URL(page.url()).origin).toBe(new URL(inject('appUrl')).origin);
    await context.close();
  },
);

test('a path of the app is followed', async () => {
  const context = await browser.newContext({ baseURL: inject('appUrl') });
  const page = await context.newPage();
  await page.goto('/sign-in?next=/health');
  await page.getByLabel('Email').fill(user.email);
  await page.getByLabel('Password').fill('correct horse battery');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL('**/health');
  await context.close();
});
