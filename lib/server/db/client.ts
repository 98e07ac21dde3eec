import { PrismaPg } from '@prisma/adapter-pg';
import pg from 'pg';
import { PrismaClient } from '../../generated/prisma/client';
import { requireDatabaseUrl } from '../config';

export type Db = InstanceType<typeof PrismaClient>;

/** The client handed to an interactive `db.$transaction(async (tx) => …)`. */
export type Transaction = Parameters<Parameters<Db['$transaction']>[0]>[0];

// On the client itself under a global symbol: Next.js bundles may hold several copies of this module, and any may be asked.
const poolKey = Symbol.for('testyard.sqlPool');
type WithPool = Db & { [poolKey]?: pg.Pool };

export function createDb(databaseUrl: string): Db {
  const pool = new pg.Pool({ connectionString: databaseUrl });
  // $disconnect ends the pool: one life for both.
  const client = new PrismaClient({ adapter: new PrismaPg(pool, { disposeExternalPool: true }) });
  (client as WithPool)[poolKey] = pool;
  return client;
}

/**
 * The connection pool under a client, for the few statements on a hot path
 * (a worker storing each test's attempt, a run's events) where Prisma's
 * per-query work costs more than the query. Plain SQL: parameters as
 * node-postgres sends them (pass dates as ISO strings: the columns are
 * timestamps without time zone in UTC), bigints come back as strings.
 */
export function sqlPool(client: Db): pg.Pool {
  const pool = (client as WithPool)[poolKey];
  if (!pool) throw new Error('this Prisma client was not made by createDb()');
  return pool;
}

const cache = globalThis as unknown as { testyardDb?: Db };

/** The process-wide client for DATABASE_URL (kept across Next.js hot reloads). */
export function db(): Db {
  if (!cache.testyardDb) {
    cache.testyardDb = createDb(requireDatabaseUrl());
  }
  return cache.testyardDb;
}

/** Runs `work` in a transaction on one connection of the client's pool; rolled back when it throws. */
export async function sqlTransaction<T>(client: Db, work: (connection: pg.PoolClient) => Promise<T>): Promise<T> {
  const connection = await sqlPool(client).connect();
  let broken = false;
  try {
    await connection.query('BEGIN');
    const result = await work(connection);
    await connection.query('COMMIT');
    return result;
  } catch (error) {
    try {
      await connection.query('ROLLBACK');
    } catch {
      // the connection itself failed: it leaves the pool
      broken = true;
    }
    throw error;
  } finally {
    connection.release(broken);
  }
}
