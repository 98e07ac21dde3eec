import { chromium, type Browser, type Page } from 'playwright-core';

/** Debian's Chromium driven by Playwright; never a downloaded browser. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
}

/** A page in a fresh context of `browser` carrying a session cookie ("name=value; …") for the app at `appUrl`. */
export async function pageWithCookie(browser: Browser, appUrl: string, cookie: string): Promise<Page> {
  const app = new URL(appUrl);
  const context = await browser.newContext({ baseURL: app.origin });
  await context.addCookies(
    cookie.split('; ').map((pair) => {
      const [name, ...value] = pair.split('=');
      return { name: name!, value: value.join('='), domain: app.hostname, path: '/' };
    }),
  );
  return context.newPage();
}
