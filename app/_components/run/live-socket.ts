'use client';

import { io, type Socket } from 'socket.io-client';

/**
 * A Socket.IO connection that joins `rooms` on every (re)connect and reports
 * each join: `onJoined(true)` once all were accepted, `onJoined(false)` when
 * any was refused. Handlers are registered before the connection opens, so
 * nothing sent right after a join is missed.
 */
export function openLiveSocket(
  rooms: readonly string[],
  handlers: Record<string, (payload: never) => void>,
  onJoined: (allowed: boolean) => void,
  onDisconnect: () => void,
): Socket {
  const socket = io({ transports: ['websocket'] });
  // each handler knows its own event's payload type
  for (const [event, handler] of Object.entries(handlers)) socket.on(event, handler as (payload: unknown) => void);
  socket.on('connect', async () => {
    const joined = await Promise.all(rooms.map((room) => socket.emitWithAck('subscribe', room).catch(() => false)));
    onJoined(joined.every(Boolean));
  });
  socket.on('disconnect', onDisconnect);
  return socket;
}
