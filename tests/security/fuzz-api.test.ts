// Every JSON route of /api/v1, as the OpenAPI document lists it, fuzzed with
// fast-check: bodies built from each schema's property names with hostile
// values (wrong types, NUL, lone surrogates, huge numbers, deep nesting),
// hostile path segments and query values. Every answer must be a 2xx or a
// 4xx, never a 5xx, and the server must be healthy afterwards.
import fc from 'fast-check';
import { beforeAll, expect, inject, test } from 'vitest';
import { api } from '../support/api';
import { fixtureFolder, securityTeam } from './support';

interface Operation {
  requestBody?: { content: { 'application/json': { schema: { properties?: Record<string, { properties?: Record<string, unknown> }> } } } };
  parameters?: { name: string; in: string }[];
}

let t: Awaited<ReturnType<typeof securityTeam>>;
let document: { paths: Record<string, Record<string, Operation>> };
let realIds: Record<string, string>;

beforeAll(async () => {
  t = await securityTeam();
  document = (await api('GET', '/api/v1/openapi.json')).body;
  const platform = (await api('POST', t.path('/platforms'), t.admin, { name: 'box', config: { kind: 'container', image: 'debian:12' } }))
    .body.id;
  const repo = (await api('POST', t.path('/repos'), t.admin, { name: 'tree', path: await fixtureFolder() })).body.id;
  const run = (await api('POST', t.path('/runs'), t.member, { repoId: repo, plan: '/plans/smoke', platforms: [platform] })).body;
  realIds = { platform, repo, run: String(run.number) };
});

const hostileString = fc.oneof(
  fc.string(),
  fc.string({ unit: 'grapheme-ascii', maxLength: 3000 }),
  fc.constantFrom(
    '\u0000',
    'a\u0000b',
    '\ud800',
    '\udfff',
    '../../etc/passwd',
    '%00',
    '%E0%A4%A',
    '${jndi:x}',
    '\'; DROP TABLE "Run"; --',
    'x'.repeat(70_000),
    '/',
    '-',
    '',
    ' ',
  ),
  fc.string({ unit: 'binary' }),
);
const hostileNumber = fc.oneof(fc.integer(), fc.double(), fc.constantFrom(2 ** 31, 2 ** 63, -1, 1e308, Number.MAX_SAFE_INTEGER + 2, 0.5));
const hostileValue: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    hostileString,
    hostileNumber,
    fc.boolean(),
    fc.constant(null),
    fc.array(tie('value'), { maxLength: 5 }),
    fc.dictionary(hostileString, tie('value'), { maxKeys: 5 }),
  ),
})).value;

/** Objects with the schema's own property names (one level down too), filled with hostile values. */
function bodyFor(operation: Operation): fc.Arbitrary<unknown> {
  const properties = operation.requestBody?.content['application/json'].schema.properties ?? {};
  const fields = Object.fromEntries(
    Object.entries(properties).map(([name, schema]) => [
      name,
      schema.properties
        ? fc.oneof(
            hostileValue,
            fc.record(Object.fromEntries(Object.keys(schema.properties).map((inner) => [inner, hostileValue])), { requiredKeys: [] }),
          )
        : hostileValue,
    ]),
  );
  return fc.oneof(fc.record(fields, { requiredKeys: [] }), hostileValue);
}

const segment = fc.oneof(
  hostileString.filter((text) => text.length < 300).map((text) => encodeURIComponent(text)),
  fc.constantFrom('1', '0', '99999999999', 'x'),
);

function concretePath(template: string, fuzzed: string): string {
  return template
    .replace('{team}', t.team.team.slug)
    .replace('{run}', realIds.run!)
    .replace(/\{(id|userId|token|file)\}/g, () => fuzzed);
}

const jsonRoutes = () =>
  Object.entries(document.paths).flatMap(([template, methods]) =>
    Object.entries(methods)
      // deleting the team under test would end the pass early; it takes no input beyond its slug
      .filter(([method]) => !(method === 'delete' && template === '/teams/{team}'))
      .map(([method, operation]) => ({ template, method: method.toUpperCase(), operation })),
  );

test('no input to any JSON route is a 5xx, and the server stays healthy', async () => {
  const routes = jsonRoutes();
  expect(routes.length).toBeGreaterThan(30);
  const failures: string[] = [];
  for (const { template, method, operation } of routes) {
    const queryNames = (operation.parameters ?? []).filter((parameter) => parameter.in === 'query').map((parameter) => parameter.name);
    await fc
      .assert(
        fc.asyncProperty(
          segment,
          bodyFor(operation),
          fc.array(
            fc.tuple(
              fc.constantFrom(...queryNames, 'x'),
              hostileString.filter((text) => text.length < 500),
            ),
            { maxLength: 4 },
          ),
          async (fuzzed, body, query) => {
            const search = query.map(([name, value]) => `${encodeURIComponent(name)}=${encodeURIComponent(value)}`).join('&');
            const path = `/api/v1${concretePath(template, fuzzed)}${search ? `?${search}` : ''}`;
            const response = await api(method, path, t.owner, operation.requestBody ? body : undefined);
            if (response.status >= 500) failures.push(`${method} ${path} ${JSON.stringify(body)?.slice(0, 300)} -> ${response.status}`);
            return response.status < 500;
          },
        ),
        { numRuns: 15, endOnFailure: true },
      )
      .catch(() => undefined);
  }
  expect(failures).toEqual([]);
  const health = await fetch(`${inject('appUrl')}/api/v1/health`).then((response) => response.json() as Promise<{ ok: boolean }>);
  expect(health.ok).toBe(true);
}, 600_000);
