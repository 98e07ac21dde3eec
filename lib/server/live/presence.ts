import type { DefaultEventsMap, Server, Socket } from 'socket.io';
import { z } from 'zod';
import type { Actor } from '../access/actor';
import { canJoinRoom } from '../access/room-access';
import type { Db } from '../db/client';
import type { MembershipEvents, SocketIdentity } from './membership';
import { collaborationEventNames, type PresenceViewer } from '../../shared/events/collaboration';

/**
 * Who is on a run or result page. Each socket carries its own presence in
 * `socket.data` and sits in the page's room; the list is computed from
 * `fetchSockets()` of that room, which the Postgres adapter answers across
 * every web process, so no process holds state another one needs. A socket
 * that goes away (tab closed, page left, connection lost: found by
 * Socket.IO's ping within seconds) takes its presence with it, and the
 * room is told the new list.
 */
export interface SocketPresence {
  room: string;
  name: string;
  selection: string | null;
}

const joinMessage = z.object({
  room: z
    .string()
    .max(5000)
    .regex(/^page:/),
  // The log viewer's line range as in its URL fragment (see rangeFromHash in the log viewer).
  selection: z
    .string()
    .regex(/^L\d{1,9}(-L?\d{1,9})?$/)
    .nullable(),
});

type PresenceServer = Server<DefaultEventsMap, DefaultEventsMap, MembershipEvents, SocketIdentity>;
type PresenceSocket = Socket<DefaultEventsMap, DefaultEventsMap, MembershipEvents, SocketIdentity>;

/** The page's viewers, one entry per person (the last tab's selection wins), sent to everyone on it. */
export async function announcePresence(io: PresenceServer, room: string): Promise<void> {
  const sockets = await io.in(room).fetchSockets();
  const viewers = new Map<string, PresenceViewer>();
  for (const socket of sockets) {
    const { actor, presence } = socket.data;
    if (!actor || presence?.room !== room) continue;
    const seen = viewers.get(actor.userId);
    viewers.set(actor.userId, { userId: actor.userId, name: presence.name, selection: presence.selection ?? seen?.selection ?? null });
  }
  io.to(room).emit(collaborationEventNames.presence, [...viewers.values()]);
}

/** The presence messages of one socket; `actor` resolves once its session was looked up. */
export function handlePresence(io: PresenceServer, socket: PresenceSocket, db: Db, actor: Promise<Actor | null>): void {
  const data = socket.data;
  const report = (error: Error) => console.error(`web: presence update failed: ${error.message}`);
  const leave = async () => {
    const previous = data.presence;
    if (!previous) return;
    data.presence = null;
    await socket.leave(previous.room);
    await announcePresence(io, previous.room);
  };

  socket.on(collaborationEventNames.presenceJoin, (message: unknown, ack?: (ok: boolean) => void) => {
    const join = joinMessage.safeParse(message);
    const answer = (ok: boolean) => typeof ack === 'function' && ack(ok);
    if (!join.success) return answer(false);
    void (async () => {
      const who = await actor;
      if (!(await canJoinRoom(db, who, join.data.room).catch(() => false)) || !who) return answer(false);
      if (data.presence && data.presence.room !== join.data.room) await leave();
      const name = data.presence?.name ?? (await db.user.findUnique({ where: { id: who.userId }, select: { name: true } }))?.name ?? '?';
      data.presence = { room: join.data.room, name, selection: join.data.selection };
      await socket.join(join.data.room);
      await announcePresence(io, join.data.room);
      answer(true);
    })().catch(report);
  });
  socket.on(collaborationEventNames.presenceLeave, () => void leave().catch(report));
  socket.on('disconnect', () => {
    const previous = data.presence;
    if (previous) void announcePresence(io, previous.room).catch(report);
  });
}
