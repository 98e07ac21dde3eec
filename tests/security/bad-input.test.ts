// Finding 9: NUL bytes in text fields and in path or query values, an event
// cursor beyond PostgreSQL's integer, a result cursor above 2^63 and a
// malformed percent-encoding in a result URL were 500s. Each is now a 400
// that says what was wrong and where.
import { expect, inject, test } from 'vitest';
import { api } from '../support/api';
import { fixtureFolder, securityTeam } from './support';

test('NUL and lone surrogates in JSON text are a 400 naming the field', async () => {
  const t = await securityTeam();
  const cases: [string, unknown, string][] = [
    ['/platforms', { name: 'a\u0000b', config: { kind: 'container', image: 'debian:12' } }, 'name'],
    ['/platforms', { name: 'ok', config: { kind: 'container', image: 'debian\u0000:12' } }, 'config.image'],
    ['/platforms', { name: 'ok2', config: { kind: 'container', image: 'debian:12', env: { A: 'x\u0000' } } }, 'config.env.A'],
    ['/repos', { name: 'r', url: 'https://example.com/\ud800.git' }, 'url'],
    ['/secrets', { name: 's', kind: 'token', value: 'a secret\u0000value' }, 'value'],
  ];
  for (const [path, body, field] of cases) {
    const response = await api('POST', t.path(path), t.admin, body);
    expect(response.status, JSON.stringify(response.body)).toBe(400);
    expect(response.body.issues[0].path).toBe(field);
  }
  expect((await api('PATCH', t.path(''), t.admin, { name: 'x\u0000' })).status).toBe(400);
  expect((await api('POST', '/api/v1/teams', { cookie: t.team.members.owner.cookie }, { name: '\u0000' })).status).toBe(400);
});

test('a body that is not UTF-8 is a 400', async () => {
  const t = await securityTeam();
  const response = await fetch(`${inject('appUrl')}${t.path('/platforms')}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${t.admin.token}`, 'content-type': 'application/json' },
    body: Buffer.concat([Buffer.from('{"name":"'), Buffer.from([0xff, 0xfe]), Buffer.from('","config":{"kind":"container","image":"x"}}')]),
  });
  expect(response.status).toBe(400);
  expect((await response.json()).error).toMatch(/UTF-8/);
});

test('NUL and malformed percent-encoding in paths and queries are a 400, pages included', async () => {
  const t = await securityTeam();
  const app = inject('appUrl');
  const auth = { headers: { authorization: `Bearer ${t.admin.token}`, cookie: t.team.members.owner.cookie } };
  for (const path of [
    `/api/v1/teams/${t.team.team.slug}%00`,
    `${t.path('/runs')}?x=%00`,
    `${t.path('/runs/1/results')}?name=%E0%A4%A`,
    `/t/${t.team.team.slug}/runs/1/box/%E0%A4%A`,
    `/t/${t.team.team.slug}%00/runs`,
    `/t/${t.team.team.slug}/runs/1/box/tests%00x`,
  ]) {
    const response = await fetch(`${app}${path}`, auth);
    expect(response.status, path).toBe(400);
  }
});

test('numbers beyond what the database stores are a 400 naming the parameter', async () => {
  const t = await securityTeam();
  const platform = (await api('POST', t.path('/platforms'), t.admin, { name: 'box', config: { kind: 'container', image: 'debian:12' } }))
    .body.id;
  const repoId = (await api('POST', t.path('/repos'), t.admin, { name: 'tree', path: await fixtureFolder() })).body.id;
  const run = (await api('POST', t.path('/runs'), t.member, { repoId, plan: '/plans/smoke', platforms: [platform] })).body;
  const events = await api('GET', t.path(`/runs/${run.number}/events?after=3000000000`), t.member);
  expect(events.status).toBe(400);
  expect(events.body.issues[0].path).toBe('after');
  const cursor = Buffer.from(JSON.stringify(['/tests/x', '99999999999999999999'.slice(0, 19)])).toString('base64url');
  const results = await api('GET', t.path(`/runs/${run.number}/results?after=${cursor}`), t.member);
  expect(results.status).toBe(400);
  expect(results.body.issues[0].path).toBe('after');
  const nulCursor = Buffer.from(JSON.stringify(['/tests/\u0000', '1'])).toString('base64url');
  expect((await api('GET', t.path(`/runs/${run.number}/results?after=${nulCursor}`), t.member)).status).toBe(400);
});
