import type { Db } from '../db/client';
import { rooms } from '../../shared/rooms';
import type { Actor } from './actor';

/** Whether an actor (or an anonymous visitor) may receive a live room's events. */
export async function canJoinRoom(db: Db, actor: Actor | null, room: string): Promise<boolean> {
  if (room === rooms.health) return true;
  if (!actor) return false;
  const [kind, id] = room.split(':', 2);
  if (!id) return false;
  const teamId =
    kind === 'team'
      ? id
      : kind === 'run' || kind === 'output' || kind === 'page'
        ? (await db.run.findUnique({ where: { id }, select: { teamId: true } }))?.teamId
        : undefined;
  if (!teamId || (actor.tokenTeamId && actor.tokenTeamId !== teamId)) return false;
  return Boolean(await db.membership.findUnique({ where: { teamId_userId: { teamId, userId: actor.userId } } }));
}
