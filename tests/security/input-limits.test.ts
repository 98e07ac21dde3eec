// Finding 10: a platform with 300,000 SSH hosts (12 MB), a run with 200,000
// environment variables (22 MB, then every GET of it 22 MB) and a 1 MB
// display name were all accepted. Bodies are capped at 1 MiB and lists and
// strings have documented bounds (docs/THREAT_MODEL.md). An SSH pool that
// lists a host twice (issue 9: "provisioning 2" forever) is refused too.
import { expect, inject, test } from 'vitest';
import { api } from '../support/api';
import { fixtureFolder, securityTeam } from './support';

test('bodies over 1 MiB are a 413, before anything parses them', async () => {
  const t = await securityTeam();
  const hosts = Array.from({ length: 300_000 }, (_, index) => ({
    host: `10.${(index >> 16) & 255}.${(index >> 8) & 255}.${index & 255}`,
    port: 22,
  }));
  const secretId = (await api('POST', t.path('/secrets'), t.admin, { name: 'key', kind: 'ssh-private-key', value: 'not really a key' }))
    .body.id;
  expect((await api('POST', t.path('/platforms'), t.admin, { name: 'huge', config: { kind: 'ssh', hosts }, secretId })).status).toBe(413);
  const environment = Object.fromEntries(Array.from({ length: 200_000 }, (_, index) => [`V${index}`, 'x'.repeat(100)]));
  expect(
    (await api('POST', t.path('/runs'), t.member, { url: 'https://example.com/x.git', plan: '/p', platforms: ['x'], environment })).status,
  ).toBe(413);
});

test('lists and strings within the body limit are still bounded, naming the field', async () => {
  const t = await securityTeam();
  const secretId = (await api('POST', t.path('/secrets'), t.admin, { name: 'key', kind: 'ssh-private-key', value: 'not really a key' }))
    .body.id;
  const hosts = Array.from({ length: 257 }, (_, index) => ({ host: `10.0.${index >> 8}.${index & 255}` }));
  const many = await api('POST', t.path('/platforms'), t.admin, { name: 'many', config: { kind: 'ssh', hosts }, secretId });
  expect(many.status).toBe(400);
  expect(many.body.issues[0]).toMatchObject({ path: 'config.hosts', message: 'at most 256 hosts' });
  const environment = Object.fromEntries(Array.from({ length: 257 }, (_, index) => [`V${index}`, 'x']));
  const platform = (await api('POST', t.path('/platforms'), t.admin, { name: 'box', config: { kind: 'container', image: 'debian:12' } }))
    .body.id;
  const repoId = (await api('POST', t.path('/repos'), t.admin, { name: 'tree', path: await fixtureFolder() })).body.id;
  const run = await api('POST', t.path('/runs'), t.member, { repoId, plan: '/plans/smoke', platforms: [platform], environment });
  expect(run.status).toBe(400);
  expect(run.body.issues[0].path).toBe('environment');
  const context = await api('POST', t.path('/platforms'), t.admin, {
    name: 'ctx',
    config: { kind: 'container', image: 'x' },
    context: { distro: 'x'.repeat(257) },
  });
  expect(context.body.issues[0].path).toBe('context.distro');
});

test('a display name of 1 MB is refused at sign-up', async () => {
  const response = await fetch(`${inject('appUrl')}/api/auth/sign-up/email`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: inject('appUrl') },
    body: JSON.stringify({ email: `big-${Date.now()}@example.com`, password: 'correct horse battery', name: 'n'.repeat(1024 * 1024) }),
  });
  expect(response.status).toBeGreaterThanOrEqual(400);
  expect(response.status).toBeLessThan(500);
});

test('an SSH pool listing a host twice is refused, naming both entries', async () => {
  const t = await securityTeam();
  const secretId = (await api('POST', t.path('/secrets'), t.admin, { name: 'key', kind: 'ssh-private-key', value: 'not really a key' }))
    .body.id;
  const response = await api('POST', t.path('/platforms'), t.admin, {
    name: 'twice',
    config: { kind: 'ssh', hosts: [{ host: 'lab1.example.com' }, { host: 'lab2.example.com' }, { host: 'LAB1.example.com', port: 22 }] },
    secretId,
  });
  expect(response.status).toBe(400);
  expect(response.body.issues).toEqual([
    { path: 'config.hosts.2', message: 'LAB1.example.com:22 is already listed as host 1; each host is one system' },
  ]);
  const otherPort = await api('POST', t.path('/platforms'), t.admin, {
    name: 'ports',
    config: { kind: 'ssh', hosts: [{ host: 'lab1.example.com' }, { host: 'lab1.example.com', port: 2222 }] },
    secretId,
  });
  expect(otherPort.status).toBe(201);
});
