import { once } from 'node:events';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import { mkdtemp } from 'node:fs/promises';
import { createServer as createTcpServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { api, teamWithAllRoles } from '../support/api';
import { writeFixtureTree } from '../app/setup-fixture';

export type Team = Awaited<ReturnType<typeof teamWithAllRoles>>;

/** A team, its admin's credentials and a path helper. */
export async function securityTeam() {
  const team = await teamWithAllRoles();
  return {
    team,
    admin: { token: team.members.admin.token },
    owner: { token: team.members.owner.token },
    member: { token: team.members.member.token },
    path: (suffix: string) => `/api/v1/teams/${team.team.slug}${suffix}`,
  };
}

/** A TCP listener that only counts who connected: what an attacker points the server at. */
export async function tcpListener(host = '127.0.0.1', port = 0) {
  let connections = 0;
  const server = createTcpServer((socket) => {
    connections++;
    socket.end('SSH-2.0-OpenSSH_9.2\r\nsecret internal banner\r\n');
  });
  server.listen(port, host);
  await once(server, 'listening');
  return {
    port: (server.address() as AddressInfo).port,
    connections: () => connections,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** An HTTP server that records every request and answers with `reply`. */
export async function httpListener(
  reply: (request: { url: string; headers: IncomingHttpHeaders }) => { status: number; body: string; type?: string },
  port = 0,
) {
  const requests: { url: string; headers: IncomingHttpHeaders }[] = [];
  const server = createServer((incoming, response) => {
    const request = { url: incoming.url ?? '', headers: incoming.headers };
    requests.push(request);
    const { status, body, type } = reply(request);
    response.writeHead(status, { 'content-type': type ?? 'application/json' }).end(body);
  });
  server.listen(port, '127.0.0.1');
  await once(server, 'listening');
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    close: () => {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A folder holding the setup fixture's fmf tree (plans /plans/smoke and /plans/fast) under the allowed temporary directory. */
export async function fixtureFolder(): Promise<string> {
  const folder = await mkdtemp(path.join(tmpdir(), 'testyard-security-tree-'));
  await writeFixtureTree(folder);
  return folder;
}

/** Polls a run until it has ended. */
export async function waitForRunEnd(
  runPath: string,
  as: { token: string },
  timeoutMs = 60_000,
): Promise<{ status: string; error: string | null; platforms: { error: string | null; status: string }[] }> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const run = (await api('GET', runPath, as)).body;
    if (!['queued', 'running'].includes(run.status)) return run;
    if (Date.now() > deadline) throw new Error(`run ${runPath} still ${run.status}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}
