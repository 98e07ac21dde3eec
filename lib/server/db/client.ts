import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient } from '../../generated/prisma/client';
import { requireDatabaseUrl } from '../config';

export type Db = InstanceType<typeof PrismaClient>;

/** The client handed to an interactive `db.$transaction(async (tx) => …)`. */
export type Transaction = Parameters<Parameters<Db['$transaction']>[0]>[0];

export function createDb(databaseUrl: string): Db {
  return new PrismaClient({ adapter: new PrismaPg({ connectionString: databaseUrl }) });
}

const cache = globalThis as unknown as { testyardDb?: Db };

/** The process-wide client for DATABASE_URL (kept across Next.js hot reloads). */
export function db(): Db {
  if (!cache.testyardDb) {
    cache.testyardDb = createDb(requireDatabaseUrl());
  }
  return cache.testyardDb;
}
