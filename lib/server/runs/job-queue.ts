import PgBoss from 'pg-boss';
import type { Db } from '../db/client';
import type { ProvisionerKind } from '../platforms/spec';
import { requireDatabaseUrl } from '../config';

export const provisionerKinds: readonly ProvisionerKind[] = ['container', 'ssh', 'testing-farm', 'libvirt', 'local'];

/**
 * One job per (run, platform), on a queue per provisioner kind: a worker
 * listens only to the kinds it can provision (a container platform needs a
 * worker with a container engine), so no job lands where it cannot run.
 */
export function runPlatformQueue(kind: ProvisionerKind): string {
  return `run-platform-${kind}`;
}

/** NOTIFY'd after jobs are queued, so idle workers fetch at once instead of at their next poll. */
export const newJobsChannel = 'testyard_new_jobs';

export interface RunPlatformJobData {
  runPlatformId: string;
}

export function createJobQueue(databaseUrl: string, role: 'worker' | 'sender'): PgBoss {
  // Only workers do pg-boss's maintenance; a process that merely sends jobs stays light.
  const boss = new PgBoss({
    connectionString: databaseUrl,
    schema: 'pgboss',
    ...(role === 'sender' ? { supervise: false, schedule: false, max: 2 } : {}),
  });
  boss.on('error', (error) => console.error(`job queue error: ${error.message}`));
  return boss;
}

/**
 * "stately": at most one waiting and one active job per run platform, so a
 * run platform re-enqueued by several workers at once still runs once. A run
 * platform's own liveness check (heartbeats) replaces pg-boss's expiry and
 * retries, which would either cut long runs short or retry far too late.
 */
export async function ensureRunPlatformQueues(boss: PgBoss): Promise<void> {
  for (const kind of provisionerKinds) {
    const name = runPlatformQueue(kind);
    await boss.createQueue(name, { name, policy: 'stately', retryLimit: 0, expireInHours: 23 });
  }
}

/** Queues the run platform and records its job; nothing happens when a job for it is already waiting. */
export async function queueRunPlatform(db: Db, boss: PgBoss, runPlatform: { id: string; kind: ProvisionerKind }): Promise<void> {
  const data: RunPlatformJobData = { runPlatformId: runPlatform.id };
  const jobId = await boss.send(runPlatformQueue(runPlatform.kind), data, {
    singletonKey: runPlatform.id,
    retryLimit: 0,
    expireInHours: 23,
  });
  if (jobId) await db.runPlatform.update({ where: { id: runPlatform.id }, data: { jobId } });
}

const cache = globalThis as unknown as { testyardJobQueue?: Promise<PgBoss> };

/** The web process's queue client for DATABASE_URL (started once, kept across Next.js hot reloads). */
export function sharedJobQueue(): Promise<PgBoss> {
  cache.testyardJobQueue ??= (async () => {
    const boss = createJobQueue(requireDatabaseUrl(), 'sender');
    await boss.start();
    await ensureRunPlatformQueues(boss);
    return boss;
  })();
  return cache.testyardJobQueue;
}
