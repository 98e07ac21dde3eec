import { rm } from 'node:fs/promises';
import path from 'node:path';
import pg from 'pg';
import { ensureDatabase } from '../../lib/server/db/bootstrap';
import { startEmbeddedPostgres } from '../../lib/server/db/embedded';
import { applyMigrations } from '../../lib/server/db/migrate';
import { freePort } from './free-port';

export const repoRoot = path.resolve(import.meta.dirname, '../..');

/**
 * A fresh, migrated database for one test run: on TEST_DATABASE_URL's server
 * when set, otherwise on an embedded PostgreSQL of its own under
 * .data/test-postgres/ (its own, so test runs side by side never stop each
 * other's server).
 */
export async function createTestDatabase(): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `testyard_test_${Date.now()}_${process.pid}`;
  const server = process.env.TEST_DATABASE_URL
    ? { url: process.env.TEST_DATABASE_URL, stop: async () => {} }
    : await ownEmbeddedServer(name);
  const url = await ensureDatabase(server.url, name);
  await applyMigrations(url, path.join(repoRoot, 'prisma', 'migrations'));
  return {
    url,
    drop: async () => {
      const client = new pg.Client({ connectionString: server.url });
      await client.connect();
      await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      await client.end();
      await server.stop();
    },
  };
}

async function ownEmbeddedServer(name: string) {
  const dir = path.join(repoRoot, '.data', 'test-postgres', name);
  const server = await startEmbeddedPostgres({ dir, port: await freePort() });
  return {
    url: server.url,
    stop: async () => {
      await server.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
