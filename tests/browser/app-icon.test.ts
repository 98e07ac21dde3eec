// The app's icon and web app manifest, as Chromium finds them: every icon the
// page and the manifest name loads, is an image of the size it claims, and
// nothing the page asks for is missing.
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, inject, test } from 'vitest';
import { launchChromium } from '../support/browser';

let browser: Browser;
beforeAll(async () => {
  browser = await launchChromium();
});
afterAll(() => browser?.close());

interface Manifest {
  name: string;
  start_url: string;
  display: string;
  icons: { src: string; sizes: string; type: string; purpose: string }[];
}

test('the page links an icon, an Apple touch icon and a manifest whose icons all load', async () => {
  const page = await browser.newPage();
  const failed: string[] = [];
  page.on('response', (response) => {
    if (response.status() >= 400) failed.push(`${response.status()} ${response.url()}`);
  });
  await page.goto(new URL('/', inject('appUrl')).href);
  await page.waitForLoadState('networkidle');

  const links = await page.$$eval('link[rel~="icon"], link[rel="apple-touch-icon"], link[rel="manifest"]', (elements) =>
    elements.map((element) => ({
      rel: element.getAttribute('rel'),
      href: (element as HTMLLinkElement).href,
      sizes: element.getAttribute('sizes'),
    })),
  );
  expect(links.map((link) => link.rel).sort()).toEqual(['apple-touch-icon', 'icon', 'icon', 'manifest']);
  expect(await page.$eval('meta[name="theme-color"]', (element) => element.getAttribute('content'))).toBe('#4338ca');

  /** Loads an image in the page and returns its natural size (0×0 when it does not decode). */
  const imageSize = (href: string) =>
    page.evaluate(
      (url) =>
        new Promise<string>((resolve) => {
          const image = new Image();
          image.onload = () => resolve(`${image.naturalWidth}x${image.naturalHeight}`);
          image.onerror = () => resolve('0x0');
          image.src = url;
        }),
      href,
    );

  for (const link of links.filter((candidate) => candidate.rel !== 'manifest')) {
    const size = await imageSize(link.href);
    expect(size, link.href).not.toBe('0x0');
    if (link.sizes) expect(size, link.href).toBe(link.sizes);
  }

  const manifestUrl = links.find((link) => link.rel === 'manifest')!.href;
  const response = await page.request.get(manifestUrl);
  expect(response.status()).toBe(200);
  const manifest = (await response.json()) as Manifest;
  expect(manifest).toMatchObject({ name: 'Testyard', start_url: '/', display: 'standalone' });
  const purposes = new Set<string>();
  for (const icon of manifest.icons) {
    const href = new URL(icon.src, manifestUrl).href;
    const size = await imageSize(href);
    expect(size, href).not.toBe('0x0');
    if (icon.sizes !== 'any') expect(size, href).toBe(icon.sizes);
    purposes.add(`${icon.purpose} ${icon.sizes}`);
  }
  // What Chromium wants to install the app, and Android for its adaptive icon.
  expect([...purposes]).toEqual(expect.arrayContaining(['any 192x192', 'any 512x512', 'maskable 512x512']));

  expect((await page.request.get(new URL('/favicon.ico', manifestUrl).href)).status()).toBe(200);
  expect(failed).toEqual([]);
});
