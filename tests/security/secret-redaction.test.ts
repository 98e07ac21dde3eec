// Finding 3: a Testing Farm endpoint that echoes the Authorization header in
// its 401 put "Bearer <secret>" into the run's error, its events and the run
// page. Secrets are now blanked by value wherever they could surface: raw,
// base64 (inside a longer encoded string too) and percent-encoded.
import { afterAll, beforeAll, expect, inject, test } from 'vitest';
import { api } from '../support/api';
import { fixtureFolder, httpListener, securityTeam, waitForRunEnd } from './support';

const token = `tf-${Date.now()}-0123456789abcdef`;
let t: Awaited<ReturnType<typeof securityTeam>>;
let farm: Awaited<ReturnType<typeof httpListener>>;

beforeAll(async () => {
  t = await securityTeam();
  // On the one extra endpoint the test app allows; answers like a hostile or broken API would.
  farm = await httpListener(
    ({ headers }) => ({
      status: 401,
      body: JSON.stringify({
        message: `refused ${headers.authorization}; as basic ${Buffer.from(`user:${token}`).toString('base64')}; in a URL https://x/?t=${encodeURIComponent(token)}`,
      }),
    }),
    inject('testingFarmPort'),
  );
});

afterAll(() => farm?.close());

test('the token appears nowhere a viewer can read: run, platform error, events, run page, exports', async () => {
  const secretId = (await api('POST', t.path('/secrets'), t.admin, { name: 'tf', kind: 'token', value: token })).body.id;
  const platform = await api('POST', t.path('/platforms'), t.admin, {
    name: 'tf',
    config: { kind: 'testing-farm', compose: 'Fedora-41', apiUrl: farm.url },
    secretId,
  });
  expect(platform.status, JSON.stringify(platform.body)).toBe(201);
  const repoId = (await api('POST', t.path('/repos'), t.admin, { name: 'tree', path: await fixtureFolder() })).body.id;
  const created = await api('POST', t.path('/runs'), t.member, { repoId, plan: '/plans/smoke', platforms: [platform.body.id] });
  expect(created.status, JSON.stringify(created.body)).toBe(201);

  const run = await waitForRunEnd(t.path(`/runs/${created.body.number}`), t.member);
  expect(farm.requests.length).toBeGreaterThan(0);
  expect(farm.requests[0]!.headers.authorization).toBe(`Bearer ${token}`);
  expect(run.status).toBe('error');
  expect(run.platforms[0]!.error).toMatch(/refused Bearer \[secret\]/);

  const viewer = { token: t.team.members.viewer.token };
  const seen = [
    JSON.stringify(run),
    JSON.stringify((await api('GET', t.path(`/runs/${created.body.number}/events?after=0`), viewer)).body),
    String((await api('GET', t.path(`/runs/${created.body.number}/export.jsonl`), viewer)).body),
    String((await api('GET', t.path(`/runs/${created.body.number}/export.junit.xml`), viewer)).body),
    await (
      await fetch(`${inject('appUrl')}/t/${t.team.team.slug}/runs/${created.body.number}`, {
        headers: { cookie: t.team.members.viewer.cookie },
      })
    ).text(),
  ];
  const forms = [
    token,
    Buffer.from(token).toString('base64').slice(0, 20),
    encodeURIComponent(token),
    Buffer.from(`user:${token}`).toString('base64').slice(8, 28),
  ];
  for (const text of seen) for (const form of forms) expect(text).not.toContain(form);
  expect(seen[0]).toContain('[secret]');
  expect(seen[1]).toContain('[secret]');
});
