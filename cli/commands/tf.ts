import { readFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { SshConnection } from '../../lib/engine/connection/ssh';
import {
  aliveStates,
  defaultApiUrl,
  keyPairFromPrivateKey,
  TestingFarmApi,
  TestingFarmApiError,
  TestingFarmProvisioner,
  type TestingFarmRequest,
} from '../../lib/engine/provision/testing-farm';
import type { RequestSearch } from '../../lib/engine/provision/testing-farm/api-client';
import { CliError, type Command } from '../command';
import { messageOf } from '../../lib/shared/errors';

const usage = `usage: testyard tf [--url URL] [--token TOKEN] <action> [options]

Testing Farm from the command line, with the client Testyard's provisioner uses.

  about                         the service's version
  whoami                        the token's owner and ranch
  composes [RANCH]              composes of a ranch (default: the token's)
  get-request ID                one request
  cancel ID... | --mine         cancel requests (--mine: every live one of the token's)
  search-requests [--all] [--state S]... [--ranch R] [--before ISO] [--after ISO] [--page SECS]
                                requests, the token's unless --all (default states: new, queued, running);
                                --page searches from --after on in windows of SECS
  stats RANCH STATES [--before ISO] [--after ISO] [--page SECS]
                                top 10 tokens and test repositories of requests in the comma-separated STATES
  watch-pipeline ID             follow a request's pipeline.log until the request ends
  reserve --compose C [--arch A] [--timeout MIN] [--pool P] [--ssh-key PATH]
                                reserve a system and open a shell on it; the request is cancelled
                                when the shell ends or on Ctrl-C

  --url URL       the API (default: TESTING_FARM_API_URL, else ${defaultApiUrl})
  --token TOKEN   an API token (default: TESTING_FARM_API_TOKEN)
  --json          machine-readable output (every action)

Exit status: 0 done; 1 the request failed, ended early, or could not be
cancelled or found; 2 bad usage, a refused token, or the API unreachable.`;

interface Context {
  api: TestingFarmApi;
  token: string;
  json: boolean;
}

type Action = (context: Context, argv: string[]) => Promise<number>;

const actions: Record<string, Action> = {
  about: async (context) => {
    const about = await context.api.about();
    if (context.json) return printJson(about);
    print(`Testing Farm at ${context.api.apiUrl}`);
    for (const [key, value] of Object.entries(about)) print(`${key}: ${typeof value === 'string' ? value : JSON.stringify(value)}`);
    return 0;
  },
  whoami: async (context) => {
    const identity = await context.api.whoami();
    if (context.json) return printJson(identity);
    print(`token: ${identity.token.name ?? ''} (${identity.token.id}), ranch ${identity.token.ranch ?? 'unknown'}`);
    print(`user: ${identity.user.name ?? ''} (${identity.user.id})`);
    return 0;
  },
  composes: async (context, argv) => {
    const [ranch, ...extra] = argv;
    if (extra.length) throw new CliError(`composes takes one ranch, got ${argv.join(' ')}`);
    const composes = (await context.api.composes(ranch ?? (await tokenRanch(context)))).filter(
      (compose) => (compose.type ?? 'compose') === 'compose',
    );
    if (context.json) return printJson(composes.map((compose) => compose.name));
    for (const compose of composes) print(compose.name);
    return 0;
  },
  'get-request': async (context, argv) => {
    const [id, ...extra] = argv;
    if (!id || extra.length) throw new CliError('get-request takes one request ID');
    const request = await found(context.api.getRequest(id));
    if (!request) return 1;
    if (context.json) return printJson(request);
    print(describeRequest(request));
    if (request.result?.overall) print(`result: ${request.result.overall}${request.result.summary ? ` (${request.result.summary})` : ''}`);
    if (request.run?.artifacts) print(`artifacts: ${request.run.artifacts}`);
    return 0;
  },
  cancel: async (context, argv) => {
    const { values, positionals } = parseArgs({ args: argv, options: { mine: { type: 'boolean' } }, allowPositionals: true, strict: true });
    if (values.mine && positionals.length) throw new CliError('cancel: give request IDs or --mine, not both');
    if (!values.mine && !positionals.length) throw new CliError('cancel: give one or more request IDs, or --mine');
    const ids = values.mine ? (await searchAlive(context)).map((request) => request.id) : positionals;
    let failed = 0;
    const outcomes: Array<{ id: string; outcome: string }> = [];
    for (const id of ids) {
      const outcome = await context.api.cancelRequest(id);
      if (outcome === 'not-found') failed++;
      outcomes.push({ id, outcome });
      if (!context.json)
        print(`${id}: ${{ cancelled: 'cancelled', finished: 'already finished', 'not-found': 'no such request' }[outcome]}`);
    }
    if (context.json) printJson(outcomes);
    else if (ids.length === 0) print('no live requests to cancel');
    return failed ? 1 : 0;
  },
  'search-requests': async (context, argv) => {
    const { values } = parseArgs({
      args: argv,
      options: {
        all: { type: 'boolean' },
        state: { type: 'string', multiple: true },
        ranch: { type: 'string' },
        before: { type: 'string' },
        after: { type: 'string' },
        page: { type: 'string' },
      },
      strict: true,
    });
    const mine = values.all ? {} : await ownFilter(context);
    const requests: TestingFarmRequest[] = [];
    for (const state of values.state ?? [...aliveStates]) {
      const found = await search(
        context,
        {
          state,
          ranch: values.ranch,
          createdBefore: isoOption(values.before, '--before'),
          createdAfter: isoOption(values.after, '--after'),
          ...mine,
        },
        pageOption(values.page),
      );
      requests.push(...found.sort((a, b) => (a.created ?? '').localeCompare(b.created ?? '')));
    }
    if (context.json) {
      for (const request of requests) print(JSON.stringify(request));
      return 0;
    }
    for (const request of requests) print(describeRequest(request));
    return 0;
  },
  stats: async (context, argv) => {
    const { values, positionals } = parseArgs({
      args: argv,
      options: { before: { type: 'string' }, after: { type: 'string' }, page: { type: 'string' } },
      allowPositionals: true,
      strict: true,
    });
    const [ranch, states, ...extra] = positionals;
    if (!ranch || !states || extra.length)
      throw new CliError('stats takes RANCH and STATES (comma-separated), e.g. stats public running,queued');
    const tokens = new Map<string, number>();
    const repos = new Map<string, number>();
    for (const state of states.split(',').filter(Boolean)) {
      for (const request of await search(
        context,
        { state, ranch, createdBefore: isoOption(values.before, '--before'), createdAfter: isoOption(values.after, '--after') },
        pageOption(values.page),
      )) {
        if (request.token_id) tokens.set(request.token_id, (tokens.get(request.token_id) ?? 0) + 1);
        const repo = testRepo(request);
        if (repo) repos.set(repo, (repos.get(repo) ?? 0) + 1);
      }
    }
    const top = (counts: Map<string, number>) => [...counts].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).slice(0, 10);
    if (context.json)
      return printJson({
        tokens: top(tokens).map(([id, count]) => ({ id, count })),
        repos: top(repos).map(([url, count]) => ({ url, count })),
      });
    const width = Math.max(1, ...[...tokens.values(), ...repos.values()].map((count) => String(count).length));
    print('Top 10 token IDs:');
    for (const [id, count] of top(tokens)) print(`${String(count).padStart(width)}  ${id}`);
    print('Top 10 repository URLs:');
    for (const [url, count] of top(repos)) print(`${String(count).padStart(width)}  ${url}`);
    return 0;
  },
  'watch-pipeline': async (context, argv) => {
    const [id, ...extra] = argv;
    if (!id || extra.length) throw new CliError('watch-pipeline takes one request ID');
    return watchPipeline(context, id);
  },
  reserve: (context, argv) => reserve(context, argv),
};

export const command: Command = async (argv) => {
  const { common, rest } = splitCommonOptions(argv);
  const [name, ...actionArgs] = rest;
  if (common.help || !name) {
    process.stdout.write(`${usage}\n`);
    return common.help ? 0 : 2;
  }
  const action = actions[name];
  if (!action) throw new CliError(`unknown action "${name}"\n${usage}`);
  const token = common.token ?? process.env.TESTING_FARM_API_TOKEN ?? '';
  const apiUrl = common.url ?? process.env.TESTING_FARM_API_URL ?? defaultApiUrl;
  if (!/^https?:\/\/[^\s]+$/.test(apiUrl)) throw new CliError(`--url must be an http(s) URL, got "${apiUrl}"`);
  const api = new TestingFarmApi({ apiUrl, token, retries: 3, retryBackoff: { initialMs: 500, maxMs: 5_000 } });
  try {
    return await action({ api, token, json: common.json }, actionArgs);
  } catch (error) {
    if (error instanceof CliError) throw error;
    if (error instanceof TypeError && 'code' in error && String(error.code).startsWith('ERR_PARSE_ARGS'))
      throw new CliError(`${name}: ${error.message}`);
    // a request the API refuses (400, 404, 409) is the answer to the question; a refused token or an unreachable API is not
    const refused =
      error instanceof TestingFarmApiError &&
      error.status !== undefined &&
      error.status < 500 &&
      error.status !== 401 &&
      error.status !== 403;
    throw new CliError(messageOf(error), refused ? 1 : 2);
  }
};

/** --url, --token, --json and --help may stand anywhere; the rest is the action and its arguments. */
function splitCommonOptions(argv: readonly string[]) {
  const common: { url?: string; token?: string; json: boolean; help: boolean } = { json: false, help: false };
  const rest: string[] = [];
  for (let index = 0; index < argv.length; index++) {
    const argument = argv[index]!;
    const [flag, inline] =
      argument.startsWith('--') && argument.includes('=')
        ? [argument.slice(0, argument.indexOf('=')), argument.slice(argument.indexOf('=') + 1)]
        : [argument, undefined];
    if (flag === '--url' || flag === '--token') {
      const value = inline ?? argv[++index];
      if (value === undefined) throw new CliError(`${flag} needs a value`);
      common[flag === '--url' ? 'url' : 'token'] = value;
    } else if (argument === '--json') common.json = true;
    else if (argument === '--help' || argument === '-h') common.help = true;
    else rest.push(argument);
  }
  return { common, rest };
}

function requireToken(context: Context, what: string): void {
  if (!context.token) throw new CliError(`${what} needs an API token: --token or TESTING_FARM_API_TOKEN`);
}

async function tokenRanch(context: Context): Promise<string> {
  requireToken(context, 'finding the ranch');
  const ranch = (await context.api.whoami()).token.ranch;
  if (!ranch) throw new CliError('the token names no ranch: give one');
  return ranch;
}

async function ownFilter(context: Context): Promise<Pick<RequestSearch, 'tokenId' | 'userId'>> {
  requireToken(context, 'searching your own requests (without --all)');
  const identity = await context.api.whoami();
  return { tokenId: identity.token.id, userId: identity.user.id };
}

async function searchAlive(context: Context): Promise<TestingFarmRequest[]> {
  const mine = await ownFilter(context);
  const found = await Promise.all([...aliveStates].map((state) => context.api.searchRequests({ state, ...mine })));
  return found.flat();
}

/** A 404 is an answer here: say so and let the caller exit 1. */
async function found<T>(lookup: Promise<T>): Promise<T | null> {
  try {
    return await lookup;
  } catch (error) {
    if (error instanceof TestingFarmApiError && error.status === 404) {
      process.stderr.write(`testyard tf: no such request\n`);
      return null;
    }
    throw error;
  }
}

/** One search, or (with a page size) one per window from `createdAfter` to `createdBefore` (default now). */
async function search(context: Context, filters: RequestSearch, pageSeconds: number | undefined): Promise<TestingFarmRequest[]> {
  if (pageSeconds === undefined) return context.api.searchRequests(filters);
  if (!filters.createdAfter) throw new CliError('--page needs --after (where the first window starts)');
  const end = filters.createdBefore ? Date.parse(`${filters.createdBefore}Z`) : Date.now();
  const results: TestingFarmRequest[] = [];
  for (let start = Date.parse(`${filters.createdAfter}Z`); start < end; start += pageSeconds * 1000) {
    const windowEnd = Math.min(start + pageSeconds * 1000, end);
    results.push(...(await context.api.searchRequests({ ...filters, createdAfter: utcIso(start), createdBefore: utcIso(windowEnd) })));
  }
  return results;
}

/** The API takes and gives times in UTC without a zone. */
function utcIso(epochMs: number): string {
  return new Date(epochMs).toISOString().replace(/Z$/, '');
}

function isoOption(value: string | undefined, option: string): string | undefined {
  if (value === undefined) return undefined;
  if (
    !/^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?$/.test(value) ||
    Number.isNaN(Date.parse(`${value.includes('T') ? value : `${value}T00:00`}Z`))
  ) {
    throw new CliError(`${option} must be an ISO 8601 date or time in UTC, e.g. 2025-06-01 or 2025-06-01T12:00:00`);
  }
  return value;
}

function pageOption(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const seconds = Number(value);
  if (!Number.isInteger(seconds) || seconds < 1) throw new CliError('--page must be a whole number of seconds, 1 or more');
  return seconds;
}

function testRepo(request: TestingFarmRequest): string | undefined {
  return request.test?.fmf?.url ?? request.test?.tmt?.url ?? undefined;
}

function describeRequest(request: TestingFarmRequest): string {
  const created = (request.created ?? '').replace(/\.\d+$/, '');
  const environments = (request.environments_requested ?? []).flatMap((environment) =>
    environment.os?.compose && environment.arch ? [`${environment.os.compose}@${environment.arch}`] : [],
  );
  const repo = testRepo(request);
  return [
    `${created} ${request.state.padEnd(8)} ${request.id}`,
    repo && `test:${repo}`,
    environments.length && `envs:[${environments.join(', ')}]`,
  ]
    .filter(Boolean)
    .join(' | ');
}

async function watchPipeline(context: Context, id: string): Promise<number> {
  let printed = 0;
  for (let attempt = 0; ; attempt++) {
    const request = await found(context.api.getRequest(id));
    if (!request) return 1;
    const artifacts = request.run?.artifacts;
    const log = artifacts ? await context.api.fetchArtifact(`${artifacts.replace(/\/+$/, '')}/pipeline.log`) : null;
    if (log !== null && log.length > printed) {
      if (context.json) for (const line of log.slice(printed).split('\n').filter(Boolean)) print(JSON.stringify({ line }));
      else process.stdout.write(log.slice(printed));
      printed = log.length;
    }
    if (!aliveStates.has(request.state)) {
      const overall = request.result?.overall ?? request.state;
      if (context.json) printJson({ id, state: request.state, result: overall });
      else print(`request ${id} ended: ${request.state}${request.result?.overall ? `, ${request.result.overall}` : ''}`);
      return overall === 'passed' ? 0 : 1;
    }
    await sleep(Math.min(1000 * 2 ** attempt, 10_000));
  }
}

async function reserve(context: Context, argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      compose: { type: 'string', short: 'c' },
      arch: { type: 'string', short: 'a' },
      timeout: { type: 'string', short: 't' },
      pool: { type: 'string' },
      'ssh-key': { type: 'string' },
    },
    strict: true,
  });
  if (!values.compose) throw new CliError('reserve needs --compose, e.g. --compose Fedora-41');
  requireToken(context, 'reserve');
  const minutes = values.timeout === undefined ? 60 : Number(values.timeout);
  if (!Number.isInteger(minutes) || minutes < 1) throw new CliError('--timeout must be a whole number of minutes, 1 or more');
  const sshKey = values['ssh-key']
    ? keyPairFromPrivateKey(
        await readFile(values['ssh-key'], 'utf8').catch((error: Error) => {
          throw new CliError(`--ssh-key: ${error.message}`);
        }),
      )
    : undefined;
  const arch = values.arch ?? 'x86_64';
  const note = (line: string) => (context.json ? print(JSON.stringify({ event: line })) : process.stderr.write(`${line}\n`));

  let requestId: string | undefined;
  const provisioner = new TestingFarmProvisioner({
    token: context.token,
    apiUrl: context.api.apiUrl,
    compose: values.compose,
    arch,
    pool: values.pool,
    durationMinutes: minutes,
    sshKey,
    onRequestSubmitted: (id) => {
      requestId = id;
      note(`request ${id} submitted`);
    },
  });
  const interrupted = new AbortController();
  const onSignal = (signal: NodeJS.Signals) => interrupted.abort(new CliError(`${signal}: cancelling the reservation`, 1));
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, onSignal);
  try {
    note(`reserving ${values.compose} on ${arch} for ${minutes} minutes`);
    await provisioner.start();
    provisioner.provision(1);
    const remote = await provisioner.getRemote(interrupted.signal);
    if (!(remote.connection instanceof SshConnection)) throw new Error('the reserved system has no SSH connection');
    note(`system ready: ${remote.connection.label} (request ${requestId})`);
    const status = await interactiveShell(remote.connection, interrupted.signal);
    note(`shell ended (${status}); cancelling request ${requestId}`);
    return status === 0 ? 0 : 1;
  } catch (error) {
    if (interrupted.signal.aborted) {
      note(`interrupted; cancelling request ${requestId ?? '(none submitted yet)'}`);
      return 1;
    }
    throw error;
  } finally {
    for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.off(signal, onSignal);
    await provisioner.stop();
  }
}

/** Our terminal becomes the remote one (raw keys in, output out, size changes passed on) until the shell exits. */
async function interactiveShell(connection: SshConnection, signal: AbortSignal): Promise<number> {
  const { stdin, stdout } = process;
  const channel = await connection.shell({
    rows: stdout.rows || 24,
    cols: stdout.columns || 80,
    term: process.env.TERM || 'xterm-256color',
  });
  const resize = () => channel.setWindow(stdout.rows || 24, stdout.columns || 80, 0, 0);
  const wasRaw = stdin.isTTY ? stdin.isRaw : false;
  if (stdin.isTTY) stdin.setRawMode(true);
  stdout.on('resize', resize);
  stdin.pipe(channel);
  channel.pipe(stdout, { end: false });
  channel.stderr.pipe(process.stderr, { end: false });
  const abort = () => channel.close();
  signal.addEventListener('abort', abort, { once: true });
  try {
    return await new Promise<number>((resolve) => {
      let code: number | null = null;
      channel.once('exit', (exitCode: number | null) => {
        code = exitCode;
      });
      channel.once('close', () => resolve(code ?? 255));
    });
  } finally {
    signal.removeEventListener('abort', abort);
    stdin.unpipe(channel);
    stdin.pause();
    stdout.off('resize', resize);
    if (stdin.isTTY) stdin.setRawMode(wasRaw);
  }
}

function print(line: string): void {
  process.stdout.write(`${line}\n`);
}

function printJson(value: unknown): number {
  print(JSON.stringify(value, null, 2));
  return 0;
}
