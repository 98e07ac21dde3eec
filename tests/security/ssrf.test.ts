// Finding 2: a team admin sent the team's Testing Farm token to any URL (a
// listener on 127.0.0.1 received "Authorization: Bearer …"), read internal
// pages through the error, and used SSH hosts as a port scanner. Against an
// app with the default outbound policy (nothing allowed beyond it): Testing
// Farm endpoints come from the operator's list, and nothing reaches loopback
// or metadata addresses, whatever name points there.
import { afterAll, beforeAll, expect, inject, test } from 'vitest';
import { startApp, type RunningApp } from '../support/app-server';
import { freePort } from '../support/free-port';
import { httpListener, securityTeam, tcpListener } from './support';

let app: RunningApp;
let t: Awaited<ReturnType<typeof securityTeam>>;
let farm: Awaited<ReturnType<typeof httpListener>>;
const farmPort = await freePort();

/** Calls the strict app with an API token (tokens are rows in the shared database, valid on every app). */
async function call(method: string, path: string, body?: unknown) {
  const response = await fetch(`${app.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${t.admin.token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the assertions name the fields they read
  return { status: response.status, body: (await response.json().catch(() => null)) as any };
}

beforeAll(async () => {
  t = await securityTeam();
  // An endpoint the operator listed, but on loopback: the outbound policy still keeps the token from it.
  farm = await httpListener(
    ({ headers }) => ({ status: 401, body: JSON.stringify({ message: `refused ${headers.authorization}` }) }),
    farmPort,
  );
  app = await startApp(inject('databaseUrl'), {
    TESTYARD_OUTBOUND_ALLOW: '',
    TESTYARD_TESTING_FARM_URLS: `https://api.testing-farm.io,${farm.url}`,
  });
}, 120_000);

afterAll(async () => {
  await app?.stop();
  await farm?.close();
});

async function secret(): Promise<string> {
  return (
    await call('POST', t.path('/secrets'), {
      name: `s${Date.now()}${Math.random()}`.replace('.', ''),
      kind: 'token',
      value: 'tf-token-that-must-stay-home',
    })
  ).body.id;
}

test('a Testing Farm endpoint the operator did not list is refused, naming the allowed ones', async () => {
  const response = await call('POST', t.path('/platforms'), {
    name: 'tf-elsewhere',
    config: { kind: 'testing-farm', compose: 'Fedora-41', apiUrl: 'http://127.0.0.1:9/x' },
    secretId: await secret(),
  });
  expect(response.status).toBe(400);
  expect(response.body.issues).toEqual([{ path: 'config.apiUrl', message: expect.stringContaining('https://api.testing-farm.io') }]);
});

test('a listed endpoint on a refused address never receives the token', async () => {
  const platform = await call('POST', t.path('/platforms'), {
    name: 'tf-loopback',
    config: { kind: 'testing-farm', compose: 'Fedora-41', apiUrl: farm.url },
    secretId: await secret(),
  });
  expect(platform.status, JSON.stringify(platform.body)).toBe(201);
  const check = await call('POST', t.path(`/platforms/${platform.body.id}/test-connection`));
  expect(check.body.ok).toBe(false);
  expect(check.body.error).toMatch(/not allowed/);
  expect(farm.requests).toHaveLength(0);
});

test.each(['127.0.0.1', '127.1.2.3', '169.254.169.254', '::1', '::ffff:127.0.0.1', '0.0.0.0', 'fe80::1'])(
  'an SSH host at %s is refused when saved',
  async (host) => {
    const response = await call('POST', t.path('/platforms'), {
      name: `ssh-${Date.now()}`,
      config: { kind: 'ssh', hosts: [{ host, port: 22 }] },
      secretId: await secret(),
    });
    expect(response.status).toBe(400);
    expect(response.body.issues[0].path).toBe('config.hosts.0.host');
  },
);

test('an SSH host name that resolves to loopback is refused at connection time, the same for open and closed ports', async () => {
  const open = await tcpListener();
  const closed = await freePort();
  try {
    const errors: string[] = [];
    for (const port of [open.port, closed]) {
      const platform = await call('POST', t.path('/platforms'), {
        name: `scan-${port}`,
        config: { kind: 'ssh', hosts: [{ host: 'localhost', port }] },
        secretId: await secret(),
      });
      expect(platform.status).toBe(201);
      const check = await call('POST', t.path(`/platforms/${platform.body.id}/test-connection`));
      expect(check.body.ok).toBe(false);
      errors.push(String(check.body.error).split(String(port)).join('PORT'));
    }
    expect(errors[0]).toMatch(/not allowed/);
    expect(errors[0]).toBe(errors[1]);
    expect(open.connections()).toBe(0);
  } finally {
    await open.close();
  }
});

test('a git remote on loopback is not fetched', async () => {
  const listener = await tcpListener();
  try {
    for (const url of [
      `git://localhost:${listener.port}/x`,
      `https://localhost:${listener.port}/x.git`,
      `ssh://git@localhost:${listener.port}/x`,
    ]) {
      const repo = await call('POST', t.path('/repos'), { name: `remote-${Date.now()}`, url });
      expect(repo.status, url).toBe(201);
      const metadata = await call('GET', t.path(`/repos/${repo.body.id}/metadata`));
      expect(metadata.status, url).toBe(400);
      expect(metadata.body.error, url).toMatch(/not allowed/);
    }
    expect(listener.connections()).toBe(0);
  } finally {
    await listener.close();
  }
});
