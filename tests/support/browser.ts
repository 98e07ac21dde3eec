import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

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

/**
 * A fresh context of `browser` signed in on the app at `appUrl` (sessions are
 * signed with each app's own secret; tests/support/api.ts signs users up with
 * this password).
 */
export async function signedInContext(
  browser: Browser,
  appUrl: string,
  email: string,
  viewport: { width: number; height: number },
): Promise<BrowserContext> {
  const response = await fetch(`${appUrl}/api/auth/sign-in/email`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: appUrl },
    body: JSON.stringify({ email, password: 'correct horse battery' }),
  });
  if (response.status !== 200) throw new Error(`signing in ${email} on ${appUrl}: ${response.status} ${await response.text()}`);
  const context = await browser.newContext({ baseURL: appUrl, viewport });
  await context.addCookies(
    response.headers.getSetCookie().map((item) => {
      const [name, ...value] = item.split(';')[0]!.split('=');
      return { name: name!, value: value.join('='), url: appUrl };
    }),
  );
  return context;
}

/** A REST call to the app at `appUrl` with an API token (tokens live in the shared database: any app server takes them); throws unless 2xx. */
export async function callApp<T = { id: string }>(
  appUrl: string,
  method: string,
  route: string,
  token: string,
  body?: unknown,
): Promise<T> {
  const response = await fetch(`${appUrl}${route}`, {
    method,
    headers: { authorization: `Bearer ${token}`, origin: appUrl, ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${route}: ${response.status} ${text}`);
  return JSON.parse(text) as T;
}
