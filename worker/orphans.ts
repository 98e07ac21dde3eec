import { hostname } from 'node:os';
import type PgBoss from 'pg-boss';
import type { Db } from '../lib/server/db/client';
import { heartbeatIntervalMs } from '../lib/server/health/heartbeat';
import { queueRunPlatform, runPlatformQueue } from '../lib/server/runs/job-queue';
import { platformSnapshot } from '../lib/server/runs/settings';
import { ignoreCleanupFailure } from '../lib/shared/errors';

/** A worker not seen for this long is dead: three missed heartbeats. */
export const deadWorkerAfterMs = 3 * heartbeatIntervalMs;

interface HeldPlatform {
  id: string;
  workerId: string;
  jobId: string | null;
  spec: unknown;
  hostname: string | null;
  pid: number | null;
  lastSeenAt: Date | null;
}

/**
 * Finds run platforms whose worker died (heartbeat stale for three intervals
 * or gone; on this host, also a worker whose process no longer exists, which
 * is noticed at once) and queues them again for any worker to resume. The
 * claim is taken back with a conditional UPDATE, so when several workers
 * sweep at once only one re-queues; the dead worker's job is failed first
 * because the queue allows one active job per run platform.
 */
export async function requeueOrphanedPlatforms(db: Db, boss: PgBoss): Promise<string[]> {
  const held = await db.$queryRaw<HeldPlatform[]>`
    SELECT rp."id", rp."workerId", rp."jobId", rp."spec", h."hostname", h."pid", h."lastSeenAt"
    FROM "RunPlatform" rp
    JOIN "Run" r ON r."id" = rp."runId"
    LEFT JOIN "Heartbeat" h ON h."id" = rp."workerId"
    WHERE rp."status" = 'running' AND r."status" = 'running' AND rp."workerId" IS NOT NULL`;
  const cutoff = Date.now() - deadWorkerAfterMs;
  const requeued: string[] = [];
  for (const platform of held) {
    const dead =
      !platform.lastSeenAt || platform.lastSeenAt.getTime() < cutoff || (platform.hostname === hostname() && processIsGone(platform.pid));
    if (!dead) continue;
    const { count } = await db.runPlatform.updateMany({
      where: { id: platform.id, workerId: platform.workerId },
      data: { workerId: null },
    });
    if (count === 0) continue;
    const { kind } = platformSnapshot.parse(platform.spec).config;
    if (platform.jobId)
      await boss.fail(runPlatformQueue(kind), platform.jobId, { reason: `worker ${platform.workerId} died` }).catch(ignoreCleanupFailure);
    await queueRunPlatform(db, boss, { id: platform.id, kind });
    requeued.push(platform.id);
  }
  return requeued;
}

function processIsGone(pid: number | null): boolean {
  if (pid === null) return false;
  try {
    process.kill(pid, 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
}
