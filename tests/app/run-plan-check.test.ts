// Issue 9: a run whose plan names no plan, or a parent of several plans, was
// accepted and failed later ("'/plan' matches multiple plans: plan"). It is
// now refused at creation, naming the plan and the plans it could mean.
import { beforeAll, expect, test } from 'vitest';
import { api, teamWithAllRoles } from '../support/api';
import { createFixtureRepo } from './setup-fixture';

let t: Awaited<ReturnType<typeof teamWithAllRoles>>;
let body: (plan: string) => Record<string, unknown>;
const runs = () => `/api/v1/teams/${t.team.slug}/runs`;
const member = () => ({ token: t.members.member.token });

beforeAll(async () => {
  t = await teamWithAllRoles();
  const [fixture, platform] = await Promise.all([
    createFixtureRepo(),
    api(
      'POST',
      `/api/v1/teams/${t.team.slug}/platforms`,
      { token: t.members.admin.token },
      { name: 'box', config: { kind: 'container', image: 'debian:12' } },
    ),
  ]);
  body = (plan) => ({ url: fixture.url, plan, platforms: [platform.body.id] });
});

test('a parent of several plans is a 400 listing them', async () => {
  const response = await api('POST', runs(), member(), body('/plans'));
  expect(response.status).toBe(400);
  expect(response.body.issues).toEqual([{ path: 'plan', message: '/plans matches several plans, pick one: /plans/fast, /plans/smoke' }]);
});

test('a plan that does not exist is a 400 listing the plans there are', async () => {
  const response = await api('POST', runs(), member(), body('/plans/nightly'));
  expect(response.status).toBe(400);
  expect(response.body.issues).toEqual([
    { path: 'plan', message: 'no plan /plans/nightly in the repository; its plans: /plans/fast, /plans/smoke' },
  ]);
});

test('a test is not a plan', async () => {
  const response = await api('POST', runs(), member(), body('/tests/fails'));
  expect(response.status).toBe(400);
  expect(response.body.issues[0].message).toMatch(/is a test, not a plan/);
});

test('the discovery preview says the same', async () => {
  const repoId = (
    await api(
      'POST',
      `/api/v1/teams/${t.team.slug}/repos`,
      { token: t.members.admin.token },
      { name: 'fixture', url: (body('/x') as { url: string }).url },
    )
  ).body.id;
  const preview = await api('POST', `/api/v1/teams/${t.team.slug}/discovery`, member(), { repoId, plan: '/plans' });
  expect(preview.status).toBe(400);
  expect(preview.body.issues[0].message).toBe('/plans matches several plans, pick one: /plans/fast, /plans/smoke');
});

test('one plan is accepted', async () => {
  expect((await api('POST', runs(), member(), body('/plans/smoke'))).status).toBe(201);
});
