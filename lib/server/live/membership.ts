import type { Server } from 'socket.io';
import { canJoinRoom } from '../access/room-access';
import type { Actor } from '../access/actor';
import type { Db } from '../db/client';
import { createLiveEmitter } from './emitter';
import type { SocketPresence } from './presence';
import { isTeamRoom, rooms } from '../../shared/rooms';
import { databaseUrl } from '../config';

/** Sent between web servers (through PostgreSQL) when someone's access to a team changed. */
export const membershipChangedEvent = 'membership-changed';

export interface MembershipChange {
  teamId: string;
  /** Whose access changed. */
  userId: string;
}

export interface MembershipEvents {
  [membershipChangedEvent]: (change: MembershipChange) => void;
}

/** What a socket knows about who opened it (socket.data). */
export interface SocketIdentity {
  actor: Actor | null;
  /** the page the socket's user is on (lib/server/live/presence.ts) */
  presence?: SocketPresence | null;
}

const cache = globalThis as unknown as { testyardMembershipEmitter?: ReturnType<typeof createLiveEmitter>['emitter'] };

/** Tells every web server to re-check the open sockets of the change's user at once. */
export function announceMembershipChange(change: MembershipChange): void {
  const url = databaseUrl();
  if (!url) return;
  cache.testyardMembershipEmitter ??= createLiveEmitter(url).emitter;
  cache.testyardMembershipEmitter.serverSideEmit(membershipChangedEvent, change);
}

/**
 * On one web server: every local socket the change concerns leaves the
 * team's rooms (team, runs, output) it may no longer receive. A socket of a user with a new role
 * stays wherever that role still lets it be.
 */
export async function recheckSockets(io: Server, db: Db, change: MembershipChange): Promise<void> {
  const sockets = await io.in(rooms.user(change.userId)).local.fetchSockets();
  await Promise.all(
    sockets.map(async (socket) => {
      const { actor } = socket.data as SocketIdentity;
      for (const room of socket.rooms) {
        if (!isTeamRoom(room)) continue;
        if (!(await canJoinRoom(db, actor, room).catch(() => false))) socket.leave(room);
      }
    }),
  );
}
