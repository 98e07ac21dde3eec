import type { Actor } from '../access/actor';
import type { Db } from '../db/client';
import { recordRunEvent, type LiveBroadcaster } from './events';
import { findTeamRun } from './lookup';

/** Workers LISTEN on this channel; the payload is the run id. */
export const runCancelledChannel = 'testyard_run_cancelled';

/**
 * Cancels a queued or running run (member). Workers hear of it at once through
 * NOTIFY and stop their orchestrators, which release every remote. Cancelling
 * a run that has ended changes nothing and answers its status.
 */
export async function cancelRun(
  db: Db,
  actor: Actor,
  teamSlug: string,
  runRef: string,
  live?: LiveBroadcaster,
): Promise<{ id: string; status: string }> {
  const { id } = await findTeamRun(db, actor, teamSlug, runRef, 'member');
  const now = new Date();
  const cancelled = await db.$transaction(async (tx) => {
    const { count } = await tx.run.updateMany({
      where: { id, status: { in: ['queued', 'running'] } },
      data: { status: 'cancelled', finishedAt: now },
    });
    if (count === 0) return false;
    await tx.runPlatform.updateMany({
      where: { runId: id, status: { in: ['queued', 'running'] } },
      data: { status: 'cancelled', finishedAt: now },
    });
    await tx.$executeRaw`SELECT pg_notify(${runCancelledChannel}, ${id})`;
    return true;
  });
  const { status } = await db.run.findUniqueOrThrow({ where: { id }, select: { status: true } });
  if (cancelled) await recordRunEvent(db, id, { type: 'run.cancelled', by: actor.userId }, live);
  return { id, status };
}
