// Finding 6: a removed member's open socket kept receiving the team's live
// events (rooms were checked only when joined), and the WebSocket handshake
// took any Origin. Now a membership change makes the user's sockets leave
// what they may no longer see, at once; the handshake check is in csrf.test.ts.
import { io, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, expect, inject, test } from 'vitest';
import { liveEventNames } from '../../lib/shared/rooms';
import { api } from '../support/api';
import { fixtureFolder, securityTeam } from './support';

let t: Awaited<ReturnType<typeof securityTeam>>;
const sockets: Socket[] = [];
let runBody: { repoId: string; plan: string; platforms: string[] };

beforeAll(async () => {
  t = await securityTeam();
  const repoId = (await api('POST', t.path('/repos'), t.admin, { name: 'tree', path: await fixtureFolder() })).body.id;
  const platform = (await api('POST', t.path('/platforms'), t.admin, { name: 'box', config: { kind: 'container', image: 'debian:12' } }))
    .body.id;
  runBody = { repoId, plan: '/plans/smoke', platforms: [platform] };
});
afterAll(() => sockets.forEach((socket) => socket.close()));

function connect(cookie: string): Socket {
  const socket = io(inject('appUrl'), { transports: ['websocket'], extraHeaders: { cookie, origin: inject('appUrl') } });
  sockets.push(socket);
  return socket;
}

/** Resolves with the events `socket` got for `name` within `ms` of `action`. */
async function eventsDuring(socket: Socket, name: string, action: () => Promise<unknown>, ms = 2_000): Promise<unknown[]> {
  const seen: unknown[] = [];
  const listener = (payload: unknown) => seen.push(payload);
  socket.on(name, listener);
  await action();
  await new Promise((resolve) => setTimeout(resolve, ms));
  socket.off(name, listener);
  return seen;
}

test('a removed member stops receiving the team and run rooms at once', async () => {
  const socket = connect(t.team.members.member.cookie);
  expect(await socket.emitWithAck('subscribe', `team:${t.team.team.id}`)).toBe(true);
  const first = await api('POST', t.path('/runs'), t.owner, runBody);
  expect(await socket.emitWithAck('subscribe', `run:${first.body.id}`)).toBe(true);
  expect((await eventsDuring(socket, 'run-status', () => api('POST', t.path('/runs'), t.owner, runBody))).length).toBeGreaterThan(0);

  expect((await api('DELETE', t.path(`/members/${t.team.members.member.id}`), t.owner)).status).toBe(204);
  await new Promise((resolve) => setTimeout(resolve, 500));

  expect(await eventsDuring(socket, 'run-status', () => api('POST', t.path('/runs'), t.owner, runBody))).toEqual([]);
  expect(
    await eventsDuring(socket, liveEventNames.runEvents, () => api('POST', t.path(`/runs/${first.body.number}/cancel`), t.owner)),
  ).toEqual([]);
  expect(await socket.emitWithAck('subscribe', `team:${t.team.team.id}`)).toBe(false);
});

test('a member demoted to viewer keeps the rooms a viewer may see', async () => {
  const viewer = t.team.members.admin;
  const socket = connect(viewer.cookie);
  expect(await socket.emitWithAck('subscribe', `team:${t.team.team.id}`)).toBe(true);
  expect((await api('PATCH', t.path(`/members/${viewer.id}`), t.owner, { role: 'viewer' })).status).toBe(200);
  await new Promise((resolve) => setTimeout(resolve, 500));
  expect((await eventsDuring(socket, 'run-status', () => api('POST', t.path('/runs'), t.owner, runBody))).length).toBeGreaterThan(0);
});

test("nobody can join another user's room", async () => {
  const socket = connect(t.team.members.viewer.cookie);
  expect(await socket.emitWithAck('subscribe', `user:${t.team.members.owner.id}`)).toBe(false);
});
