// Live events: the worker has no Socket.IO server; it emits through the
// Postgres emitter, and the web server's Postgres adapter delivers to sockets.
import { io, type Socket } from 'socket.io-client';
import { afterEach, expect, inject, test } from 'vitest';
import { api, signUp } from '../support/api';

const sockets: Socket[] = [];
afterEach(() => sockets.splice(0).forEach((socket) => socket.close()));

function connect(cookie?: string): Socket {
  const socket = io(inject('appUrl'), { transports: ['websocket'], extraHeaders: cookie ? { cookie } : {} });
  sockets.push(socket);
  return socket;
}

const subscribe = (socket: Socket, room: string) => socket.emitWithAck('subscribe', room) as Promise<boolean>;

test("a worker's heartbeat reaches a browser socket through PostgreSQL", async () => {
  const socket = connect();
  const beat = new Promise<{ kind: string; pid: number }>((resolve) => {
    socket.on('heartbeat', (payload: { kind: string; pid: number }) => payload.kind === 'worker' && resolve(payload));
  });
  expect(await subscribe(socket, 'health')).toBe(true);
  const received = await beat;
  expect(received.pid).toBeGreaterThan(0);
}, 20_000);

test("team rooms are for the team's members only", async () => {
  const member = await signUp('live');
  const team = (await api('POST', '/api/v1/teams', member, { name: 'Live team' })).body;
  const stranger = await signUp('peeker');
  expect(await subscribe(connect(member.cookie), `team:${team.id}`)).toBe(true);
  expect(await subscribe(connect(stranger.cookie), `team:${team.id}`)).toBe(false);
  expect(await subscribe(connect(), `team:${team.id}`)).toBe(false);
  expect(await subscribe(connect(member.cookie), 'run:no-such-run')).toBe(false);
});
