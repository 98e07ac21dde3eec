// The OpenAPI document lists exactly the route files under app/api/v1, with
// the methods each exports, and is served as JSON without credentials.
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { expect, test } from 'vitest';
import { openApiDocument } from '../../lib/server/api-spec/openapi';
import { api } from '../support/api';

const apiRoot = path.resolve(import.meta.dirname, '../../app/api/v1');

/** "METHOD /path/{param}" for every handler exported by a route.ts under app/api/v1. */
async function routesOnDisk(): Promise<string[]> {
  const found: string[] = [];
  for (const entry of await readdir(apiRoot, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile() || entry.name !== 'route.ts') continue;
    const folder = path.relative(apiRoot, entry.parentPath);
    const routePath = `/${folder.split(path.sep).join('/')}`.replace(/\[(\w+)\]/g, '{$1}');
    const source = await readFile(path.join(entry.parentPath, entry.name), 'utf8');
    for (const [, method] of source.matchAll(/export (?:const|async function) (GET|POST|PUT|PATCH|DELETE)\b/g))
      found.push(`${method} ${routePath}`);
  }
  return found.sort();
}

function routesInDocument(document: Record<string, unknown>): string[] {
  const paths = document.paths as Record<string, Record<string, unknown>>;
  return Object.entries(paths)
    .flatMap(([routePath, operations]) => Object.keys(operations).map((method) => `${method.toUpperCase()} ${routePath}`))
    .sort();
}

test('every route file is in the document, and the document has nothing else', async () => {
  const onDisk = await routesOnDisk();
  expect(onDisk.length).toBeGreaterThan(30);
  // The document's own route is documented too, as it is a route file.
  expect(routesInDocument(openApiDocument('http://example.com'))).toEqual(onDisk);
});

test('GET /api/v1/openapi.json serves the document, with auth, roles and the error shape', async () => {
  const response = await api('GET', '/api/v1/openapi.json');
  expect(response.status).toBe(200);
  const document = response.body;
  expect(document.openapi).toBe('3.1.0');
  expect(document.servers[0].url).toMatch(/\/api\/v1$/);
  expect(Object.keys(document.components.securitySchemes).sort()).toEqual(['bearer', 'session']);
  expect(document.components.schemas.Error.required).toEqual(['error']);
  const createRun = document.paths['/teams/{team}/runs'].post;
  expect(createRun['x-role']).toBe('member');
  expect(createRun.requestBody.content['application/json'].schema.required).toEqual(['plan', 'platforms']);
  expect(Object.keys(createRun.responses).sort()).toEqual(['201', '400', '401', '403', '404']);
  expect(document.paths['/health'].get.security).toEqual([]);
  const ids = Object.values(document.paths as Record<string, Record<string, { operationId: string }>>).flatMap((operations) =>
    Object.values(operations).map((op) => op.operationId),
  );
  expect(new Set(ids).size).toBe(ids.length);
});
