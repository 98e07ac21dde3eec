// An admin sets a team up in a real Chromium: creates a container platform
// and edits it, adds the fixture repository as a server-side folder, browses
// its plans and tests with an fmf context, and fills the new-run form,
// watching the live count follow the fields (and name a plan step Testyard
// does not run).
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, inject, test } from 'vitest';
import { api, teamWithAllRoles } from '../support/api';
import { launchChromium, pageWithCookie } from '../support/browser';
import { createFixtureRepo } from '../app/setup-fixture';

let browser: Browser;
beforeAll(async () => {
  browser = await launchChromium();
});
afterAll(() => browser?.close());

const signedIn = (cookie: string): Promise<Page> => pageWithCookie(browser, inject('appUrl'), cookie);

test('platform, repository, preview with a context, new run with a live count', async () => {
  const [{ team, members }, fixture] = await Promise.all([teamWithAllRoles(), createFixtureRepo()]);
  const page = await signedIn(members.admin.cookie);
  const teamUrl = `/t/${team.slug}`;

  // A container platform with an fmf context, then an edit of it.
  await page.goto(`${teamUrl}/platforms`);
  // The suite's worker has no container engine: the form says so before anyone waits for a run.
  await expect
    .poll(() => page.getByTestId('kind-unavailable').textContent())
    .toMatch(
      /^No running worker can run container platforms: no container engine \(install podman or Docker, or set TESTYARD_DOCKER_HOST\)\./,
    );
  await page.getByLabel('Provisioner').selectOption('ssh');
  expect(await page.getByTestId('kind-unavailable').count()).toBe(0);
  await page.getByLabel('Provisioner').selectOption('container');
  await page.getByLabel('Name').fill('fedora-box');
  await page.getByLabel('Image').fill('localhost/fedora:41');
  await page.getByLabel('fmf context (key=value …)').fill('distro=fedora');
  await page.getByRole('button', { name: 'Create platform' }).click();
  await page.getByRole('link', { name: 'fedora-box' }).click();
  await page.waitForURL(/\/platforms\/\w+$/);
  await page.getByLabel('Max remotes').fill('3');
  await page.getByRole('button', { name: 'Save platform' }).click();
  await expect.poll(() => page.getByTestId('platform-details').textContent()).toMatch(/up to 3 at once/);
  await expect.poll(() => page.getByTestId('platform-details').textContent()).toMatch(/distro=fedora/);

  // An SSH pool that takes a host out after 3 infrastructure failures in a row, then 2; the form says what counts.
  await api(
    'POST',
    `/api/v1/teams/${team.slug}/secrets`,
    { token: members.admin.token },
    {
      name: 'lab-key',
      kind: 'ssh-private-key',
      value: 'not a real key: this pool is never used',
    },
  );
  await page.goto(`${teamUrl}/platforms`);
  await page.getByLabel('Provisioner').selectOption('ssh');
  await page.getByLabel('Name').fill('lab-pool');
  await page.getByLabel('Hosts (user@host:port, one per line)').fill('root@127.0.0.1:22');
  await page.getByLabel('SSH private key secret').selectOption({ label: 'lab-key' });
  const quarantineAfter = page.getByLabel('Quarantine a host after (failures in a row, optional)');
  expect(await page.locator(`#${await quarantineAfter.getAttribute('aria-describedby')}`).textContent()).toMatch(
    /taken out of the pool until an admin puts it back.*Tests that fail, time out or break the control protocol .* do not count/,
  );
  await quarantineAfter.fill('3');
  await page.getByRole('button', { name: 'Create platform' }).click();
  await page.getByRole('link', { name: 'lab-pool' }).click();
  await page.waitForURL(/\/platforms\/\w+$/);
  // A host key pinned through the API (the form has no field for it) survives the form's edits below.
  const labPool = `/api/v1/teams/${team.slug}/platforms/${new URL(page.url()).pathname.split('/').pop()}`;
  const pins = { '127.0.0.1:22': 'SHA256:3pNQbJ0yJzvvG4dCrbL9Qd1hWTIDc1GDDl7W7dgqFMs' };
  const pinned = await api('GET', labPool, { token: members.admin.token });
  expect(
    (await api('PATCH', labPool, { token: members.admin.token }, { config: { ...pinned.body.config, hostKeyFingerprints: pins } })).status,
  ).toBe(200);
  await page.reload();
  expect(await page.getByTestId('platform-quarantine').textContent()).toBe(
    'a host leaves the pool after 3 infrastructure failures in a row',
  );
  expect(await quarantineAfter.inputValue()).toBe('3');
  await quarantineAfter.fill('2');
  await page.getByRole('button', { name: 'Save platform' }).click();
  await expect
    .poll(() => page.getByTestId('platform-quarantine').textContent())
    .toBe('a host leaves the pool after 2 infrastructure failures in a row');
  await quarantineAfter.fill('');
  await page.getByRole('button', { name: 'Save platform' }).click();
  await expect.poll(() => page.getByTestId('platform-quarantine').textContent()).toBe('never: hosts stay in the pool whatever fails');
  expect((await api('GET', labPool, { token: members.admin.token })).body.config.hostKeyFingerprints).toEqual(pins);

  // The fixture tree as a server-side folder.
  await page.goto(`${teamUrl}/repos`);
  await page.getByLabel('Name').fill('fixture');
  await page.getByLabel('…or a path on the worker hosts').fill(fixture.dir);
  await page.getByRole('button', { name: 'Add repository' }).click();
  await page.getByRole('link', { name: 'fixture' }).click();
  await expect.poll(() => page.getByTestId('test-count').textContent()).toBe('Tests (4)');
  expect(await page.getByTestId('plan-/plans/smoke').textContent()).toContain('every test');
  expect(await page.getByTestId('test-/tests/heavy').textContent()).toContain('bash, make');

  // Preview with a context: the adjust rule drops the failing test on fedora.
  await page.getByLabel('fmf context (key=value …)').fill('distro=fedora');
  await page.getByRole('button', { name: 'Preview' }).click();
  await expect.poll(() => page.getByTestId('test-count').textContent()).toBe('Tests (3)');
  expect(page.url()).toContain('context=distro%3Dfedora');
  expect(await page.getByTestId('test-/tests/fails').count()).toBe(0);

  // The new-run form, reached from the plan: the count follows filters, context and platforms.
  await page.getByTestId('plan-/plans/smoke').getByRole('link', { name: 'Run…' }).click();
  await page.waitForURL(/\/runs\/new\?/);
  await expect.poll(() => page.getByTestId('test-total').textContent()).toBe('4');
  await page.getByLabel('Test names (regular expressions, one per line)').fill('pass-');
  await expect.poll(() => page.getByTestId('test-total').textContent()).toBe('2');
  await page.getByLabel('Test names (regular expressions, one per line)').fill('');
  await page.getByLabel("fmf context (key=value …, added to each platform's)").fill('distro=fedora');
  await expect.poll(() => page.getByTestId('test-total').textContent()).toBe('3');
  await page.getByLabel("fmf context (key=value …, added to each platform's)").fill('');
  await page.getByLabel('fedora-box').check();
  await expect.poll(() => page.getByTestId('platform-count-fedora-box').textContent()).toBe('fedora-box: 3');
  await page.getByLabel('Environment (KEY=VALUE, one per line)').fill('GOOD=1\nbroken line');
  await expect.poll(() => page.getByRole('alert').first().textContent()).toMatch(/environment\.1: expected KEY=VALUE/);
  expect(await page.getByRole('button', { name: 'Start run' }).isDisabled()).toBe(true);
  await page.getByLabel('Environment (KEY=VALUE, one per line)').fill('GOOD=1');

  // A plan with a prepare step Testyard does not run: the preview names plan, step and kind.
  await writeFile(
    path.join(fixture.dir, 'plans', 'configured.fmf'),
    'prepare:\n  - how: shell\n    script: "true"\n  - how: ansible\n    playbook: setup.yml\n',
  );
  await page.getByLabel('Plan').fill('/plans/configured');
  await expect
    .poll(() => page.getByTestId('live-count').textContent())
    .toBe(
      "plan: plan /plans/configured: prepare step 2 is 'how: ansible', which Testyard does not run (it runs 'install' and 'shell' steps)",
    );
  await page.getByLabel('Plan').fill('/plans/smoke');
  await expect.poll(() => page.getByTestId('test-total').textContent()).toBe('4');

  // Starting it goes to the run's page.
  await page.getByRole('button', { name: 'Start run' }).click();
  await page.waitForURL(new RegExp(`${teamUrl}/runs/1$`));
  // The suite's worker has no container engine: the page says why the platform waits.
  await expect
    .poll(() => page.getByTestId('platform-waiting').textContent())
    .toBe(
      'Waiting: no running worker serves container platforms: no container engine (install podman or Docker, or set TESTYARD_DOCKER_HOST) (see health).',
    );
  await page.getByRole('button', { name: 'Cancel run' }).click();
  await expect.poll(() => page.getByTestId('platform-waiting').count()).toBe(0);
}, 120_000);
