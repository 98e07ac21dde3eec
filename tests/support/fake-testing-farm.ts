import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { appendFile, access } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { startSshd, type SshServer } from './sshd';

/**
 * A stand-in for Testing Farm's v0.1 HTTP API, on 127.0.0.1, for the
 * reservation flow: POST /requests, GET /requests/{id}, DELETE
 * /requests/{id}, GET /whoami and the request's pipeline.log artifact; and
 * for `testyard tf`: GET /about, GET /requests (search), GET
 * /v0.2/composes/{ranch}. Times are UTC without a zone, as the API gives them.
 * Each request that gets to run is a fresh local sshd that authorises the
 * key sent in TF_RESERVATION_AUTHORIZED_KEYS_BASE64, announced in
 * pipeline.log the way the real pipeline announces its guest (with a port,
 * since the fake's sshd is not on 22).
 */
export interface FakeTestingFarm {
  /** Pass as the provisioner's apiUrl. */
  apiUrl: string;
  readonly token: string;
  readonly requests: ReadonlyMap<string, FakeRequest>;
  /** Every API call, in order. */
  readonly calls: ReadonlyArray<{ method: string; path: string; status: number }>;
  /** The next `count` API calls answer `status` (default 503) without doing anything. */
  failNextCalls(count: number, status?: number): void;
  /** The next submitted request ends in state "error" with this summary instead of running. */
  failNextRequest(summary?: string): void;
  /** How long a request stays queued before its system is up. */
  setProvisioningDelay(ms: number): void;
  /** How long after the guest is announced until the reservation installs the key (logins fail until then). */
  setKeyInstallDelay(ms: number): void;
  /** sshd processes still running (systems not cancelled). */
  runningSystems(): number;
  /** Adds a request of someone else (or of this token), for searches. */
  seedRequest(request: {
    state: FakeRequest['state'];
    created: string;
    tokenId?: string;
    userId?: string;
    ranch?: string;
    testUrl?: string;
    compose?: string;
  }): FakeRequest;
  /** Ends a running request the way the pipeline does: a last log line, then `complete` with this overall result. */
  finishRequest(id: string, overall: 'passed' | 'failed' | 'error'): void;
  stop(): Promise<void>;
}

export interface FakeRequest {
  id: string;
  state: 'new' | 'queued' | 'running' | 'complete' | 'error' | 'canceled';
  tokenId: string;
  userId: string;
  ranch: string;
  body: RequestBody;
  created: string;
  updated: string;
  pipelineLog: string;
  result: { overall: string; summary: string | null } | null;
  system?: SshServer;
}

interface RequestBody {
  test?: unknown;
  environments?: Array<{
    arch?: string;
    os?: { compose?: string };
    secrets?: Record<string, string>;
  }>;
}

const terminalStates = new Set(['complete', 'error', 'canceled']);

export async function startFakeTestingFarm(
  options: {
    token?: string;
    composes?: string[];
    provisioningDelayMs?: number;
    /** A port the app under test lists in TESTYARD_TESTING_FARM_URLS. */ port?: number;
  } = {},
): Promise<FakeTestingFarm> {
  const token = options.token ?? `fake-token-${randomUUID()}`;
  const composes = new Set(options.composes ?? ['Fedora-41', 'CentOS-Stream-9']);
  const requests = new Map<string, FakeRequest>();
  const calls: Array<{ method: string; path: string; status: number }> = [];
  const timers = new Set<NodeJS.Timeout>();
  const pendingWork = new Set<Promise<void>>();
  let failures: { count: number; status: number } = { count: 0, status: 503 };
  let nextRequestFailure: string | undefined;
  let provisioningDelayMs = options.provisioningDelayMs ?? 50;
  let keyInstallDelayMs = 0;
  let stopping = false;

  const later = (ms: number, work: () => Promise<void> | void) => {
    const timer = setTimeout(() => {
      timers.delete(timer);
      const done = Promise.resolve(work()).catch((error: unknown) => console.error('fake testing farm:', error));
      pendingWork.add(done);
      void done.finally(() => pendingWork.delete(done));
    }, ms);
    timers.add(timer);
  };

  const setState = (request: FakeRequest, state: FakeRequest['state']) => {
    request.state = state;
    request.updated = apiTime();
  };

  const log = (request: FakeRequest, line: string) => {
    request.pipelineLog += `[${new Date().toISOString()}] ${line}\n`;
  };

  const bringUp = async (request: FakeRequest, failure: string | undefined) => {
    if (request.state !== 'queued') return;
    if (failure !== undefined) {
      request.result = { overall: 'error', summary: failure };
      setState(request, 'error');
      return;
    }
    setState(request, 'running');
    log(request, 'pipeline started');
    const system = await startSshd();
    // a cancel may have come in while sshd was starting
    if (stopping || !isRunning(request)) {
      await system.stop();
      return;
    }
    request.system = system;
    log(request, `Guest is ready: ArtemisGuest(${randomUUID()}, ${system.username}@${system.host}:${system.port}, arch=x86_64, pool=fake)`);
    log(request, 'starting tests execution');
    const keys = Buffer.from(request.body.environments?.[0]?.secrets?.TF_RESERVATION_AUTHORIZED_KEYS_BASE64 ?? '', 'base64');
    later(keyInstallDelayMs, () => authorize(system, keys));
  };

  const cancel = async (request: FakeRequest) => {
    setState(request, 'canceled');
    const system = request.system;
    request.system = undefined;
    await system?.stop();
  };

  const server = createServer((incoming, response) => {
    void handle(incoming, response).catch((error: unknown) => reply(response, 500, { code: 500, message: String(error) }));
  });

  const reply = (response: ServerResponse, status: number, body: unknown, contentType = 'application/json') => {
    response.writeHead(status, { 'Content-Type': contentType });
    response.end(typeof body === 'string' ? body : JSON.stringify(body));
  };

  const authorized = (incoming: IncomingMessage) => incoming.headers.authorization === `Bearer ${token}`;

  async function handle(incoming: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(incoming.url ?? '/', 'http://fake');
    const method = incoming.method ?? 'GET';
    const record = (status: number) => calls.push({ method, path: url.pathname, status });

    const artifact = /^\/artifacts\/([^/]+)\/pipeline\.log$/.exec(url.pathname);
    if (artifact) {
      const request = requests.get(artifact[1] ?? '');
      if (!request?.pipelineLog) return reply(response, 404, 'Not Found', 'text/plain');
      return reply(response, 200, request.pipelineLog, 'text/plain');
    }

    if (failures.count > 0) {
      failures.count--;
      record(failures.status);
      return reply(response, failures.status, { code: failures.status, message: 'injected failure' });
    }
    const respond = (status: number, body: unknown) => {
      record(status);
      reply(response, status, body);
    };
    const unauthorized = () => respond(401, { code: 401, message: 'Not authorized to perform this action' });

    if (url.pathname === '/v0.1/about' && method === 'GET') {
      return respond(200, { version: '0.1-fake', release_notes: 'https://docs.testing-farm.io/Testing%20Farm/0.1/releases.html' });
    }
    const composesOf = /^\/v0\.2\/composes\/([^/]+)$/.exec(url.pathname);
    if (composesOf && method === 'GET') {
      if (composesOf[1] !== 'public') return respond(404, { code: 404, message: `Ranch '${composesOf[1]}' not found` });
      return respond(200, { composes: [...composes].map((name) => ({ name, type: 'compose' })) });
    }
    if (url.pathname === '/v0.1/requests' && method === 'GET') {
      const state = url.searchParams.get('state');
      if (!state) return respond(422, { detail: [{ loc: ['query', 'state'], msg: 'field required', type: 'value_error.missing' }] });
      const filters = { token_id: 'tokenId', user_id: 'userId', ranch: 'ranch' } as const;
      const after = url.searchParams.get('created_after');
      const before = url.searchParams.get('created_before');
      const matching = [...requests.values()].filter(
        (request) =>
          request.state === state &&
          Object.entries(filters).every(
            ([parameter, field]) => !url.searchParams.has(parameter) || url.searchParams.get(parameter) === request[field],
          ) &&
          (!after || request.created >= after) &&
          (!before || request.created < before),
      );
      // the real API answers null rather than an empty list
      return respond(200, matching.length ? matching.map(details) : null);
    }
    if (url.pathname === '/v0.1/whoami' && method === 'GET') {
      if (!authorized(incoming)) return unauthorized();
      return respond(200, { token: { id: 'fake-token', name: 'fake', ranch: 'public' }, user: { id: 'fake-user', name: 'fake' } });
    }
    if (url.pathname === '/v0.1/requests' && method === 'POST') {
      if (!authorized(incoming)) return unauthorized();
      const body = JSON.parse(await readBody(incoming)) as RequestBody;
      const compose = body.environments?.[0]?.os?.compose;
      if (!body.test || !compose) return respond(400, { code: 400, message: 'test and environments[].os.compose are required' });
      if (!composes.has(compose)) return respond(400, { code: 400, message: `Compose '${compose}' is not supported` });
      const now = apiTime();
      const request: FakeRequest = {
        id: randomUUID(),
        state: 'new',
        tokenId: 'fake-token',
        userId: 'fake-user',
        ranch: 'public',
        body,
        created: now,
        updated: now,
        pipelineLog: '',
        result: null,
      };
      requests.set(request.id, request);
      const failure = nextRequestFailure;
      nextRequestFailure = undefined;
      later(0, () => setState(request, 'queued'));
      later(provisioningDelayMs, () => bringUp(request, failure));
      return respond(200, {
        id: request.id,
        test: body.test,
        state: request.state,
        environments: body.environments,
        notes: null,
        created: now,
        updated: now,
      });
    }
    const byId = /^\/v0\.1\/requests\/([^/]+)$/.exec(url.pathname);
    const request = byId ? requests.get(byId[1] ?? '') : undefined;
    if (byId && !request) return respond(404, { code: 404, message: 'No such entity' });
    if (request && method === 'GET') return respond(200, details(request));
    if (request && method === 'DELETE') {
      if (!authorized(incoming)) return unauthorized();
      if (terminalStates.has(request.state)) return respond(409, { code: 409, message: `Request is in state '${request.state}'` });
      await cancel(request);
      return respond(200, details(request));
    }
    return respond(404, { code: 404, message: 'Not Found' });
  }

  const details = (request: FakeRequest) => ({
    id: request.id,
    user_id: request.userId,
    token_id: request.tokenId,
    test: request.body.test,
    state: request.state,
    environments_requested: request.body.environments,
    notes: null,
    run: request.pipelineLog ? { pipeline: { id: request.id }, artifacts: `${apiUrl}/artifacts/${request.id}`, console: null } : null,
    result: request.result ? { ...request.result, xunit: null, xunit_url: null } : null,
    created: request.created,
    updated: request.updated,
  });

  server.listen(options.port ?? 0, '127.0.0.1');
  await once(server, 'listening');
  const apiUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    apiUrl,
    token,
    requests,
    calls,
    failNextCalls: (count, status = 503) => {
      failures = { count, status };
    },
    failNextRequest: (summary = 'Guest provisioning failed') => {
      nextRequestFailure = summary;
    },
    setProvisioningDelay: (ms) => {
      provisioningDelayMs = ms;
    },
    setKeyInstallDelay: (ms) => {
      keyInstallDelayMs = ms;
    },
    runningSystems: () => [...requests.values()].filter((request) => request.system).length,
    seedRequest: (seed) => {
      const request: FakeRequest = {
        id: randomUUID(),
        state: seed.state,
        tokenId: seed.tokenId ?? 'fake-token',
        userId: seed.userId ?? 'fake-user',
        ranch: seed.ranch ?? 'public',
        body: {
          test: { fmf: { url: seed.testUrl ?? 'https://example.com/tests.git' } },
          environments: [{ arch: 'x86_64', os: { compose: seed.compose ?? 'Fedora-41' } }],
        },
        created: seed.created,
        updated: seed.created,
        pipelineLog: '',
        result: null,
      };
      requests.set(request.id, request);
      return request;
    },
    finishRequest: (id, overall) => {
      const request = requests.get(id);
      if (!request) throw new Error(`no request ${id}`);
      log(request, `pipeline finished: ${overall}`);
      request.result = { overall, summary: null };
      setState(request, 'complete');
    },
    stop: async () => {
      stopping = true;
      for (const timer of timers) clearTimeout(timer);
      await Promise.all(pendingWork);
      await Promise.all([...requests.values()].flatMap((request) => (request.system ? [request.system.stop()] : [])));
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    },
  };
}

/** startSshd authorises its own client key through the authorized_keys file next to it; the reservation adds ours. */
async function authorize(system: SshServer, keys: Buffer): Promise<void> {
  const authorizedKeys = path.join(path.dirname(system.privateKeyPath), 'authorized_keys');
  await access(authorizedKeys);
  await appendFile(authorizedKeys, keys);
}

/** The API's time format: UTC, microseconds, no zone. */
function apiTime(): string {
  return new Date().toISOString().replace(/Z$/, '000');
}

function isRunning(request: FakeRequest): boolean {
  return request.state === 'running';
}

async function readBody(incoming: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of incoming) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString();
}
