// The web process: Next.js pages and API plus Socket.IO on one port. Live
// events from workers and other web nodes arrive through Socket.IO's
// Postgres adapter (LISTEN/NOTIFY).
import { createServer } from 'node:http';
import { createAdapter } from '@socket.io/postgres-adapter';
import next from 'next';
import pg from 'pg';
import { Server, type DefaultEventsMap } from 'socket.io';
import { canJoinRoom } from './lib/server/access/room-access';
import { actorFromHeaders } from './lib/server/auth/actor';
import { projectRoot, requireDatabaseUrl, webHost, webPort } from './lib/server/config';
import { db } from './lib/server/db/client';
import { startHeartbeat } from './lib/server/health/heartbeat';
import { crossSiteRefusal, guardRequest } from './lib/server/http/request-guard';
import { membershipChangedEvent, recheckSockets, type MembershipEvents, type SocketIdentity } from './lib/server/live/membership';
import { attachmentsTable } from './lib/server/live/emitter';
import { handlePresence } from './lib/server/live/presence';
import { rooms } from './lib/shared/rooms';
import { onShutdown } from './lib/server/process/shutdown';
import { ignoreCleanupFailure } from './lib/shared/errors';

const dev = process.argv.includes('--dev');
const port = webPort();
const host = webHost();
const databaseUrl = requireDatabaseUrl();

const app = next({ dev, dir: projectRoot(), hostname: 'localhost', port });
const handle = app.getRequestHandler();
await app.prepare();
const handleUpgrade = app.getUpgradeHandler();

const server = createServer((request, response) => {
  // Rate limits key on the client address: never trust one the client sent.
  request.headers['x-forwarded-for'] = request.socket.remoteAddress ?? '';
  if (guardRequest(request, response, dev)) void handle(request, response);
});

const pool = new pg.Pool({ connectionString: databaseUrl, max: 4 });
const io = new Server<DefaultEventsMap, DefaultEventsMap, MembershipEvents, SocketIdentity>(server, {
  destroyUpgrade: false,
  // The same cross-site rule as the API: another site's page must not open a live view with the visitor's cookie.
  allowRequest: (request, callback) => callback(null, crossSiteRefusal('GET', request.headers) === null),
  // A browser whose network is gone is noticed within ten seconds (presence lists drop it), not 45.
  pingInterval: 5_000,
  pingTimeout: 5_000,
});
io.adapter(createAdapter(pool, { tableName: attachmentsTable }));
io.on(
  membershipChangedEvent,
  (change) =>
    void recheckSockets(io, db(), change).catch((error: Error) => console.error(`web: re-checking sockets failed: ${error.message}`)),
);

io.on('connection', (socket) => {
  const headers = new Headers();
  for (const [name, value] of Object.entries(socket.request.headers)) if (typeof value === 'string') headers.set(name, value);
  socket.data.actor = null;
  // Handlers are registered at once, so an early "subscribe" is not lost while the session is looked up.
  const actor = actorFromHeaders(headers)
    .catch(() => null)
    .then(async (found) => {
      socket.data.actor = found;
      if (found) await socket.join(rooms.user(found.userId));
      return found;
    });
  socket.on('subscribe', async (room: unknown, ack?: (ok: boolean) => void) => {
    const allowed = typeof room === 'string' && (await canJoinRoom(db(), await actor, room).catch(() => false));
    if (allowed) await socket.join(room);
    if (typeof ack === 'function') ack(allowed);
  });
  socket.on('unsubscribe', (room: unknown) => typeof room === 'string' && socket.leave(room));
  handlePresence(io, socket, db(), actor);
});

server.on('upgrade', (request, socket, head) => {
  if (!request.url?.startsWith('/socket.io/')) void handleUpgrade(request, socket, head);
});

const heartbeat = startHeartbeat(db(), 'web', { port }, (beat) => io.to(rooms.health).emit('heartbeat', beat));

server.listen(port, host, () =>
  console.log(`web: listening on http://${host === '0.0.0.0' ? 'localhost' : host}:${port}${dev ? ' (dev)' : ''}`),
);

onShutdown('web', async () => {
  await heartbeat.stop();
  void io.close();
  server.close();
  await pool.end().catch(ignoreCleanupFailure);
  await db().$disconnect();
});
