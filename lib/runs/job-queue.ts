import PgBoss from 'pg-boss';

/** One job per (run, platform); its data names the RunPlatform row. */
export const runPlatformQueue = 'run-platform';

/** NOTIFY'd after jobs are queued, so idle workers fetch at once instead of at their next poll. */
export const newJobsChannel = 'testyard_new_jobs';

export interface RunPlatformJobData {
  runPlatformId: string;
}

export function createJobQueue(databaseUrl: string, role: 'worker' | 'sender'): PgBoss {
  // Only workers do pg-boss's maintenance; a process that merely sends jobs stays light.
  const boss = new PgBoss({ connectionString: databaseUrl, schema: 'pgboss', ...(role === 'sender' ? { supervise: false, schedule: false, max: 2 } : {}) });
  boss.on('error', (error) => console.error(`job queue error: ${error.message}`));
  return boss;
}

/**
 * "stately": at most one waiting and one active job per run platform, so a
 * run platform re-enqueued by several workers at once still runs once. A run
 * platform's own liveness check (heartbeats) replaces pg-boss's expiry and
 * retries, which would either cut long runs short or retry far too late.
 */
export async function ensureRunPlatformQueue(boss: PgBoss): Promise<void> {
  await boss.createQueue(runPlatformQueue, { name: runPlatformQueue, policy: 'stately', retryLimit: 0, expireInHours: 23 });
}

/** Queues the run platform (to start after `delaySeconds`); null when a job for it is already waiting. */
export function enqueueRunPlatform(boss: PgBoss, runPlatformId: string, delaySeconds = 0): Promise<string | null> {
  const data: RunPlatformJobData = { runPlatformId };
  return boss.send(runPlatformQueue, data, { singletonKey: runPlatformId, retryLimit: 0, expireInHours: 23, ...(delaySeconds > 0 ? { startAfter: delaySeconds } : {}) });
}

const cache = globalThis as unknown as { testyardJobQueue?: Promise<PgBoss> };

/** The web process's queue client for DATABASE_URL (started once, kept across Next.js hot reloads). */
export function sharedJobQueue(): Promise<PgBoss> {
  cache.testyardJobQueue ??= (async () => {
    const url = process.env.DATABASE_URL;
    if (!url) throw new Error('DATABASE_URL is not set');
    const boss = createJobQueue(url, 'sender');
    await boss.start();
    await ensureRunPlatformQueue(boss);
    return boss;
  })();
  return cache.testyardJobQueue;
}
