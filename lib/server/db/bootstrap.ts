import path from 'node:path';
import pg from 'pg';
import { dataDir, databaseUrl, embeddedDatabasePort, projectRoot } from '../config';
import { startEmbeddedPostgres } from './embedded';
import { applyMigrations } from './migrate';

export interface PreparedDatabase {
  url: string;
  /** Stops the embedded server, if this call started one. */
  stop(): Promise<void>;
}

/**
 * Gives a migrated database: DATABASE_URL's when set, otherwise one on an
 * embedded PostgreSQL kept under the data folder.
 */
export async function prepareDatabase(log: (line: string) => void): Promise<PreparedDatabase> {
  const migrationsDir = path.join(projectRoot(), 'prisma', 'migrations');
  const external = databaseUrl();
  if (external) {
    await applyMigrations(external, migrationsDir, log);
    return { url: external, stop: async () => {} };
  }
  const port = embeddedDatabasePort();
  const dir = path.join(dataDir(), 'postgres');
  log(`starting embedded PostgreSQL in ${dir} on port ${port}`);
  const server = await startEmbeddedPostgres({ dir, port });
  try {
    const url = await ensureDatabase(server.url, 'testyard');
    await applyMigrations(url, migrationsDir, log);
    return { url, stop: server.stop };
  } catch (error) {
    await server.stop();
    throw error;
  }
}

/** Creates the named database on the server if it is missing; returns its URL. */
export async function ensureDatabase(serverUrl: string, name: string): Promise<string> {
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (!rowCount) await client.query(`CREATE DATABASE "${name.replaceAll('"', '""')}"`);
  } finally {
    await client.end();
  }
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return url.toString();
}
