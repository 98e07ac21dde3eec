import { createDb } from '../../lib/server/db/client';

/**
 * App test files share one database and run one at a time. Runs an earlier
 * file left queued (it had no worker able to run them) would be the first
 * jobs a worker started by this file takes; cancel them, so they are skipped.
 */
export async function cancelLeftoverRuns(databaseUrl: string): Promise<void> {
  const db = createDb(databaseUrl);
  try {
    await db.run.updateMany({ where: { status: { in: ['queued', 'running'] } }, data: { status: 'cancelled' } });
    await db.runPlatform.updateMany({ where: { status: { in: ['queued', 'running'] } }, data: { status: 'cancelled' } });
  } finally {
    await db.$disconnect();
  }
}
