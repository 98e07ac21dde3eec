import type { Db } from '../lib/server/db/client';
import type { PlatformOutcome } from '../lib/engine/orchestrator';
import { redactSecrets } from '../lib/server/secrets/redaction';
import { recordRunEvent, type LiveBroadcaster } from '../lib/server/runs/events';

export interface ClaimedRunPlatform {
  id: string;
  runId: string;
  name: string;
  spec: unknown;
}

/**
 * Makes `workerId` the one worker running the platform. Fails (null) when
 * the platform is finished or cancelled, or another live worker has it: a
 * job for it then has nothing to do.
 */
export async function claimRunPlatform(
  db: Db,
  runPlatformId: string,
  workerId: string,
  jobId: string,
  live?: LiveBroadcaster,
): Promise<ClaimedRunPlatform | null> {
  const now = new Date();
  const [claimed] = await db.$queryRaw<ClaimedRunPlatform[]>`
    UPDATE "RunPlatform" AS rp
    SET "workerId" = ${workerId}, "jobId" = ${jobId}, "status" = 'running', "startedAt" = COALESCE(rp."startedAt", ${now})
    FROM "Run" AS r
    WHERE rp."id" = ${runPlatformId} AND r."id" = rp."runId" AND rp."workerId" IS NULL
      AND rp."status" IN ('queued', 'running') AND r."status" IN ('queued', 'running')
    RETURNING rp."id", rp."runId", rp."name", rp."spec"`;
  if (!claimed) return null;
  const { count } = await db.run.updateMany({
    where: { id: claimed.runId, status: 'queued' },
    data: { status: 'running', startedAt: now },
  });
  if (count > 0) await recordRunEvent(db, claimed.runId, { type: 'run.started' }, live);
  return claimed;
}

/** Gives the platform back unfinished (the worker is stopping), so the next job can claim it. */
export async function unclaimRunPlatform(db: Db, runPlatformId: string, workerId: string): Promise<boolean> {
  const { count } = await db.runPlatform.updateMany({
    where: { id: runPlatformId, workerId, status: 'running' },
    data: { workerId: null },
  });
  return count > 0;
}

/**
 * Stores how the platform ended, records `platform.finished` and, when it was
 * the run's last platform, the run's status. False (nothing stored) when the
 * worker no longer holds the platform: another worker took it over, or the
 * run was cancelled.
 */
export async function finishRunPlatform(
  db: Db,
  runPlatformId: string,
  workerId: string,
  ended: Pick<PlatformOutcome, 'status' | 'error'>,
  live?: LiveBroadcaster,
): Promise<boolean> {
  const outcome = { status: ended.status, error: ended.error === null ? null : redactSecrets(ended.error) };
  const [finished] = await db.$queryRaw<{ runId: string; name: string }[]>`
    UPDATE "RunPlatform" SET "status" = ${outcome.status}::"RunStatus", "error" = ${outcome.error}, "finishedAt" = ${new Date()}
    WHERE "id" = ${runPlatformId} AND "workerId" = ${workerId} AND "status" = 'running'
    RETURNING "runId", "name"`;
  if (!finished) return false;
  await recordRunEvent(
    db,
    finished.runId,
    { type: 'platform.finished', platform: finished.name, status: outcome.status, error: outcome.error },
    live,
  );
  await rollUpRun(db, finished.runId, live);
  return true;
}

/** Whether `workerId` still holds the platform (it may have lost it to another worker while its heartbeat stalled). */
export async function holdsRunPlatform(db: Db, runPlatformId: string, workerId: string): Promise<boolean> {
  return (await db.runPlatform.count({ where: { id: runPlatformId, workerId } })) > 0;
}

type FinalRunStatus = 'passed' | 'failed' | 'error';

/** A run whose platforms have all ended takes the worst of their statuses (a platform cancelled without the run being cancelled counts as error). */
export async function rollUpRun(db: Db, runId: string, live?: LiveBroadcaster): Promise<FinalRunStatus | null> {
  const status = await db.$transaction(async (tx) => {
    const [run] = await tx.$queryRaw<{ status: string }[]>`SELECT "status"::text AS "status" FROM "Run" WHERE "id" = ${runId} FOR UPDATE`;
    if (!run || (run.status !== 'queued' && run.status !== 'running')) return null;
    const platforms = await tx.runPlatform.findMany({ where: { runId }, select: { status: true, error: true } });
    if (platforms.some((platform) => platform.status === 'queued' || platform.status === 'running')) return null;
    const statuses = new Set(platforms.map((platform) => platform.status));
    const final: FinalRunStatus =
      statuses.has('error') || statuses.has('cancelled') ? 'error' : statuses.has('failed') ? 'failed' : 'passed';
    const error = platforms.find((platform) => platform.error)?.error ?? null;
    await tx.run.update({ where: { id: runId }, data: { status: final, error, finishedAt: new Date() } });
    return final;
  });
  if (status) await recordRunEvent(db, runId, { type: 'run.finished', status }, live);
  return status;
}
