// An admin adds a libvirt platform in a real Chromium (a hostile VM host URI
// first, refused with the field named), starts a run on it, and watches the
// run page show each VM on its way up (cloning, booting, waiting for SSH)
// until the run has passed.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, inject, test } from 'vitest';
import { api, teamWithAllRoles } from '../support/api';
import { sharedAppWorkerEnv } from '../support/app-server';
import { launchChromium, pageWithCookie } from '../support/browser';
import { cancelLeftoverRuns } from '../support/leftover-runs';
import { defineTestDomains, startLibvirtTestBed, templateVolume, testPool, type LibvirtTestBed } from '../support/libvirt';

const repoRoot = path.resolve(import.meta.dirname, '../..');
let browser: Browser;
let bed: LibvirtTestBed;
let worker: ChildProcess | undefined;
const screenshots = process.env.TESTYARD_SCREENSHOTS;

beforeAll(async () => {
  [bed, browser] = await Promise.all([startLibvirtTestBed(), launchChromium(), cancelLeftoverRuns(inject('databaseUrl'))]);
}, 900_000);

afterAll(async () => {
  if (worker && worker.exitCode === null) {
    worker.kill('SIGTERM');
    await once(worker, 'exit');
  }
  await browser?.close();
  await bed?.stop();
});

const signedIn = (cookie: string): Promise<Page> => pageWithCookie(browser, inject('appUrl'), cookie);

async function shot(page: Page, name: string): Promise<void> {
  if (screenshots) await page.screenshot({ path: path.join(screenshots, `${name}.png`), fullPage: true });
}

test('a libvirt platform from the form; the run page shows each VM on its way up', async () => {
  await defineTestDomains('ty-web', 1, bed.accelerator);
  const { team, members } = await teamWithAllRoles();
  const admin = { token: members.owner.token };
  const teamUrl = `/t/${team.slug}`;
  await api('POST', `/api/v1/teams/${team.slug}/secrets`, admin, { name: 'vm-key', kind: 'ssh-private-key', value: bed.privateKey });

  const page = await signedIn(members.admin.cookie);
  // the kind picker works once React has taken the page over
  await page.goto(`${teamUrl}/platforms`, { waitUntil: 'networkidle' });
  await page.getByLabel('Name').fill('vms');
  await expect
    .poll(async () => {
      await page.getByLabel('Provisioner').selectOption('libvirt');
      return page.getByLabel(/^VM host \(/).isVisible();
    })
    .toBe(true);
  // a URI that would make virsh read the worker's files: refused, the field named
  await page.getByLabel(/^VM host \(/).fill(`${bed.uri}?keyfile=/etc/shadow`);
  await page.getByLabel(/Domains/).fill('ty-web-*');
  await page.getByLabel('Storage pool').fill(testPool);
  await page.getByLabel('Template volume').fill(templateVolume);
  await page.getByLabel('SSH private key secret').selectOption({ label: 'vm-key' });
  await page.getByRole('button', { name: 'Create platform' }).click();
  await expect.poll(() => page.locator('body').textContent()).toMatch(/config\.uri: must be qemu:\/\/\/system or qemu\+ssh/);
  await shot(page, 'libvirt-platform-refused');
  await page.getByLabel(/^VM host \(/).fill(bed.uri);
  await page.getByRole('button', { name: 'Create platform' }).click();
  await page.getByRole('link', { name: 'vms' }).click();
  await page.waitForURL(/\/platforms\/\w+$/);
  await expect.poll(() => page.getByTestId('platform-details').textContent()).toMatch(/libvirt/);
  await shot(page, 'libvirt-platform');
  const platformId = page.url().split('/').at(-1)!;

  const tree = await mkdtemp(path.join(tmpdir(), 'testyard-libvirt-web-'));
  await mkdir(path.join(tree, '.fmf'));
  await writeFile(path.join(tree, '.fmf', 'version'), '1\n');
  await writeFile(
    path.join(tree, 'main.fmf'),
    '/plans/all:\n  discover:\n    how: fmf\n/tests/kernel:\n  test: uname -r\n/tests/cpu:\n  test: grep -m1 "model name" /proc/cpuinfo\n',
  );
  const repo = await api('POST', `/api/v1/teams/${team.slug}/repos`, admin, { name: 'vm-suite', path: tree });
  const run = await api('POST', `/api/v1/teams/${team.slug}/runs`, admin, {
    repoId: repo.body.id,
    plan: '/plans/all',
    platforms: [platformId],
  });
  expect(run.status, JSON.stringify(run.body)).toBe(201);

  await page.goto(`${teamUrl}/runs/${run.body.number}`);
  // the worker starts once the page is open, so every step of the VM is seen live
  worker = spawn(process.execPath, ['--import', 'tsx', 'worker/index.ts'], {
    cwd: repoRoot,
    env: sharedAppWorkerEnv(inject('databaseUrl'), inject('appDataDir'), {
      TESTYARD_WORKER_KINDS: 'libvirt',
      TESTYARD_WORKER_CONCURRENCY: '1',
    }),
    stdio: 'ignore',
  });
  const system = page.getByTestId('pool-system').filter({ hasText: 'libvirt:ty-web-1' });
  const seen = new Set<string>();
  for (const state of ['booting', 'waiting for SSH']) {
    await expect
      .poll(
        async () => {
          const text = (await system.textContent().catch(() => '')) ?? '';
          for (const candidate of ['cloning', 'booting', 'waiting for SSH', 'ready', 'running'])
            if (text.includes(candidate)) seen.add(candidate);
          return seen.has(state) || seen.has('ready') || seen.has('running');
        },
        { timeout: 240_000, interval: 100 },
      )
      .toBe(true);
    if (state === 'booting') await shot(page, 'libvirt-run-booting');
  }
  expect(seen.has('booting') || seen.has('waiting for SSH'), [...seen].join(', ')).toBe(true);
  await expect.poll(() => page.getByTestId('result-row').count(), { timeout: 240_000 }).toBe(2);
  // the run has ended once it can no longer be cancelled
  await expect.poll(() => page.getByRole('button', { name: 'Cancel run' }).count(), { timeout: 120_000 }).toBe(0);
  expect(await page.getByRole('button', { name: 'Re-run failed tests' }).count()).toBe(1);
  await shot(page, 'libvirt-run-done');
}, 600_000);
