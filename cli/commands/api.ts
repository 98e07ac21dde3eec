import { io, type Socket } from 'socket.io-client';
import type { SequencedRunEvent } from '../../lib/shared/events/catalogue';
import { liveEventNames } from '../../lib/shared/rooms';
import type { RunDetails } from '../../lib/server/runs/details';
import { parsePairs } from '../../lib/shared/context-pairs';
import { EventSequencer } from '../../lib/shared/events/sequencer';
import { compareListTitles, compareLists, type CompareRow, type RunComparison } from '../../lib/shared/run-compare';
import { CliError, parseOptions, runSubcommand, type Command } from '../command';
import { messageOf } from '../../lib/shared/errors';

const usage = `usage: testyard api run --server URL --token TOKEN --team SLUG --repo NAME|ID [--ref REF] --plan NAME
                        --platform NAME|ID... [--name RE]... [--exclude RE]... [--context KEY=VALUE]...
                        [--env KEY=VALUE]... [--reruns N] [--wait]

Starts a run on a Testyard server through its REST API.

  --server URL         the server (default: TESTYARD_SERVER)
  --token TOKEN        an API token of the team (default: TESTYARD_TOKEN)
  --team SLUG          the team
  --repo NAME|ID       a repository of the team; with --ref, its git URL at that ref
  --platform NAME|ID   repeatable: the platforms to run on
  --name RE, --exclude RE   repeatable: test-name filters (Python regular expressions)
  --context KEY=VALUE  repeatable: fmf context added to each platform's
  --env KEY=VALUE      repeatable: environment for the tests
  --reruns N           reruns of an unsuccessful test (server default 2)
  --wait               stream the run's progress until it ends

Exit status (with --wait, as testyard run): 0 every test passed or every
failure is waived, 1 some test failed, 2 infrastructure failure, cancel or bad
usage. Without --wait: 0 once the run is queued.`;

const compareUsage = `usage: testyard api compare --server URL --token TOKEN --team SLUG --run N [--base N] [--json]

Compares a run with a base run (by default the previous run of the same
repository and plan): per platform, new failures, fixed, still failing,
missing and new tests, and duration regressions. Lists every new failure,
with whether its cause (failure signature) was seen in the base run.

  --server URL    the server (default: TESTYARD_SERVER)
  --token TOKEN   an API token of the team (default: TESTYARD_TOKEN)
  --team SLUG     the team
  --run N         the run to check
  --base N        the run to compare with
  --json          print the comparison as JSON (every new failure, all pages)

Exit status: 0 no new failures, 1 new failures, 2 error or bad usage.`;

const finished = new Set(['passed', 'failed', 'error', 'cancelled']);
const exitCodes: Record<string, number> = { passed: 0, failed: 1, error: 2, cancelled: 2 };

export const command: Command = (argv) =>
  runSubcommand(argv, `${usage}\n\n${compareUsage}`, { run: startRun, compare: compareRunsCommand });

async function startRun(argv: string[]): Promise<number> {
  const { values } = parseOptions(argv, usage, {
    server: { type: 'string' },
    token: { type: 'string' },
    team: { type: 'string' },
    repo: { type: 'string' },
    ref: { type: 'string' },
    plan: { type: 'string' },
    platform: { type: 'string', multiple: true },
    name: { type: 'string', multiple: true },
    exclude: { type: 'string', multiple: true },
    context: { type: 'string', multiple: true },
    env: { type: 'string', multiple: true },
    reruns: { type: 'string' },
    wait: { type: 'boolean' },
  });
  const server = values.server ?? process.env.TESTYARD_SERVER;
  const token = values.token ?? process.env.TESTYARD_TOKEN;
  for (const [option, value] of [
    ['--server (or TESTYARD_SERVER)', server],
    ['--token (or TESTYARD_TOKEN)', token],
    ['--team', values.team],
    ['--repo', values.repo],
    ['--plan', values.plan],
  ] as const) {
    if (!value) throw new CliError(`missing ${option}\n${usage}`);
  }
  if (!values.platform?.length) throw new CliError(`missing --platform\n${usage}`);
  const reruns = values.reruns === undefined ? undefined : Number(values.reruns);
  if (reruns !== undefined && (!Number.isInteger(reruns) || reruns < 0)) throw new CliError('--reruns must be a whole number, 0 or more');
  const context = pairsOption(values.context ?? [], '--context');
  const environment = pairsOption(values.env ?? [], '--env');

  const client = new ApiClient(server!, token!);
  const team = `/api/v1/teams/${encodeURIComponent(values.team!)}`;
  const repos = await client.get<{ id: string; name: string; url: string | null }[]>(`${team}/repos`);
  const repo = repos.find((candidate) => candidate.id === values.repo || candidate.name === values.repo);
  if (!repo)
    throw new CliError(`no repository ${values.repo} in team ${values.team} (there are: ${repos.map((r) => r.name).join(', ') || 'none'})`);
  if (values.ref && !repo.url) throw new CliError(`--ref: repository ${repo.name} is a server-side folder, which has no refs`);
  const platforms = await client.get<{ id: string; name: string }[]>(`${team}/platforms`);
  const platformIds = values.platform.map((wanted) => {
    const platform = platforms.find((candidate) => candidate.id === wanted || candidate.name === wanted);
    if (!platform)
      throw new CliError(`no platform ${wanted} in team ${values.team} (there are: ${platforms.map((p) => p.name).join(', ') || 'none'})`);
    return platform.id;
  });

  const created = await client.post<{ id: string; number: number }>(`${team}/runs`, {
    ...(values.ref ? { url: repo.url, ref: values.ref } : { repoId: repo.id }),
    plan: values.plan,
    platforms: platformIds,
    filters: { names: values.name ?? [], excludes: values.exclude ?? [] },
    context,
    environment,
    ...(reruns === undefined ? {} : { reruns }),
  });
  print(`run ${created.number} queued: ${new URL(`/t/${values.team}/runs/${created.number}`, server).href}`);
  const queued = await client.get<RunDetails>(`${team}/runs/${created.number}`);
  for (const platform of queued.platforms) if (platform.waitingReason) print(`${platform.name}: waiting: ${platform.waitingReason}`);
  if (!values.wait) return 0;

  await followRun(client, server!, token!, `${team}/runs/${created.number}`, created.id);
  const run = await client.get<RunDetails>(`${team}/runs/${created.number}`);
  for (const platform of run.platforms) {
    const counts = Object.entries(platform.tests.byStatus)
      .map(([status, count]) => `${count} ${status}`)
      .join(', ');
    print(`${platform.name}: ${platform.status}, ${counts || 'no results'}${platform.error ? ` (${platform.error})` : ''}`);
  }
  print(`run ${run.number}: ${run.status}${run.error ? ` (${run.error})` : ''}`);
  const { failures, waived } = run.triage;
  if (run.status === 'failed' && failures > 0 && waived === failures) {
    print(`all ${failures} failures are waived`);
    return 0;
  }
  if (waived > 0) print(`${waived} of ${failures} failures are waived`);
  return exitCodes[run.status] ?? 2;
}

/**
 * Prints the run's events until it has ended: joins its live room, reads the
 * timeline, and applies every event once and in sequence order (a number
 * skipped on the live stream is fetched from the timeline), after a
 * reconnect too.
 */
async function followRun(client: ApiClient, server: string, token: string, runPath: string, runId: string): Promise<void> {
  const socket: Socket = io(server, { extraHeaders: { authorization: `Bearer ${token}` }, transports: ['websocket'] });
  let timelinePoll: NodeJS.Timeout | undefined;
  try {
    await new Promise<void>((resolve, reject) => {
      // The run's final status is read from the API when the timeline alone may not tell (a platform
      // ended, or the run ended before this client joined); concurrent checks are harmless.
      const checkEnded = async () => {
        try {
          const run = await client.get<RunDetails>(runPath);
          if (finished.has(run.status)) resolve();
        } catch (error) {
          reject(error as Error);
        }
      };
      const sequencer = new EventSequencer(
        (afterSeq) => client.get<SequencedRunEvent[]>(`${runPath}/events?after=${afterSeq}&limit=${timelinePageSize}`),
        timelinePageSize,
        (events) => {
          for (const item of events) {
            const line = describeEvent(item);
            if (line) print(line);
          }
          // Both are recorded after the run's final status is committed.
          if (events.some(({ event }) => event.type === 'run.finished' || event.type === 'run.cancelled')) resolve();
          else if (events.some(({ event }) => event.type === 'platform.finished')) void checkEnded();
        },
        reject,
      );
      socket.on(liveEventNames.runEvents, (events: SequencedRunEvent[]) => sequencer.receive(events));
      // A live delivery lost with nothing after it would leave no gap to notice; the timeline is read now and then too.
      timelinePoll = setInterval(() => void sequencer.catchUp(), timelinePollMs);
      let everConnected = false;
      // Later connection errors are retried by Socket.IO itself; the first one means the server cannot be followed.
      socket.on('connect_error', (error) => everConnected || reject(new CliError(`cannot connect for live events: ${error.message}`)));
      socket.on('connect', () => {
        everConnected = true;
        socket.emit('subscribe', `run:${runId}`, async (allowed: boolean) => {
          if (!allowed) return reject(new CliError('the server refused live events of this run'));
          // On the first connect the whole timeline; after a reconnect what was missed.
          await sequencer.catchUp();
          await checkEnded();
        });
      });
    });
  } finally {
    clearInterval(timelinePoll);
    socket.close();
  }
}

const timelinePageSize = 1000;
const timelinePollMs = 15_000;

function describeEvent({ event }: SequencedRunEvent): string | null {
  switch (event.type) {
    case 'run.started':
      return 'run started';
    case 'platform.started':
      return `${event.platform}: ${event.tests} tests`;
    case 'remote.provision-failed':
      return `${event.platform}: provisioning failed: ${event.error}`;
    case 'remote.setup-failed':
      return `${event.platform}: setup of ${event.remote} failed: ${event.error}`;
    case 'test.rerun-scheduled':
      return `${event.platform}: ${event.test} will be re-run (${event.reason})`;
    case 'result.ingested':
      return `${event.platform}: ${event.test} ${event.status}${event.attempt > 1 ? ` (attempt ${event.attempt})` : ''}`;
    case 'platform.progress':
      return `${event.platform}: ${event.done}/${event.total} done, ${event.passed} passed, ${event.failed} failed`;
    case 'platform.finished':
      return `${event.platform}: ${event.status}${event.error ? ` (${event.error})` : ''}`;
    case 'run.cancelled':
      return 'run cancelled';
    default:
      return null;
  }
}

async function compareRunsCommand(argv: string[]): Promise<number> {
  const { values } = parseOptions(argv, compareUsage, {
    server: { type: 'string' },
    token: { type: 'string' },
    team: { type: 'string' },
    run: { type: 'string' },
    base: { type: 'string' },
    json: { type: 'boolean' },
  });
  const server = values.server ?? process.env.TESTYARD_SERVER;
  const token = values.token ?? process.env.TESTYARD_TOKEN;
  for (const [option, value] of [
    ['--server (or TESTYARD_SERVER)', server],
    ['--token (or TESTYARD_TOKEN)', token],
    ['--team', values.team],
    ['--run', values.run],
  ] as const) {
    if (!value) throw new CliError(`missing ${option}\n${compareUsage}`);
  }
  for (const [option, value] of [
    ['--run', values.run],
    ['--base', values.base],
  ] as const) {
    if (value !== undefined && !/^\d{1,9}$/.test(value)) throw new CliError(`${option} must be a run number`);
  }
  const client = new ApiClient(server!, token!);
  const comparePath = `/api/v1/teams/${encodeURIComponent(values.team!)}/runs/${values.run}/compare`;
  const base = values.base ? `base=${values.base}` : '';
  const comparison = await client.get<RunComparison>(`${comparePath}?${base}`);
  // Every new failure, not only the first page: CI wants the whole list.
  const newFailures = [...(comparison.lists['new-failures']?.rows ?? [])];
  let next = comparison.lists['new-failures']?.next ?? null;
  while (next) {
    const query = new URLSearchParams({ base: String(comparison.base.number), list: 'new-failures', limit: '1000', after: next });
    const page = await client.get<RunComparison>(`${comparePath}?${query}`);
    newFailures.push(...(page.lists['new-failures']?.rows ?? []));
    next = page.lists['new-failures']?.next ?? null;
  }
  if (values.json) {
    print(JSON.stringify({ ...comparison, lists: { ...comparison.lists, 'new-failures': { rows: newFailures, next: null } } }, null, 2));
  } else {
    const link = new URL(`/t/${values.team}/runs/${comparison.head.number}/compare/${comparison.base.number}`, server).href;
    print(
      `run ${comparison.head.number} (${comparison.head.status}) compared with run ${comparison.base.number} (${comparison.base.status}): ${link}`,
    );
    for (const { platform, counts } of comparison.platforms) {
      print(`${platform}: ${compareLists.map((list) => `${counts[list]} ${compareListTitles[list].toLowerCase()}`).join(', ')}`);
    }
    for (const row of newFailures) print(`new failure: ${row.platform}: ${row.testName} ${row.headStatus ?? ''}${causeNote(row)}`);
  }
  return comparison.total['new-failures'] > 0 ? 1 : 0;
}

function causeNote(row: CompareRow): string {
  if (row.signature === null) return '';
  const seen = row.signatureInBase ? 'also in the base run' : row.signatureSeenBefore ? 'seen in earlier runs' : 'new cause';
  return ` (cause ${row.signature}: ${seen})`;
}

function pairsOption(items: string[], option: string): Record<string, string> {
  const { values, issues } = parsePairs(items, option);
  if (issues.length) throw new CliError(issues.map((issue) => `${option}: ${issue.message}`).join('\n'));
  return values;
}

function print(line: string): void {
  process.stdout.write(`${line}\n`);
}

/** JSON over HTTP with the bearer token; an error answer becomes a one-line CliError. */
class ApiClient {
  constructor(
    private readonly server: string,
    private readonly token: string,
  ) {}

  get<T>(path: string): Promise<T> {
    return this.call<T>('GET', path);
  }

  post<T>(path: string, body: unknown): Promise<T> {
    return this.call<T>('POST', path, body);
  }

  private async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const url = new URL(path, this.server);
    let response: Response;
    try {
      response = await fetch(url, {
        method,
        headers: { authorization: `Bearer ${this.token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch (error) {
      throw new CliError(`cannot reach ${url.origin}: ${messageOf(error)}`);
    }
    const payload = (await response.json().catch(() => null)) as { error?: string; issues?: { path: string; message: string }[] } | null;
    if (!response.ok) {
      const details = payload?.issues?.map((issue) => `${issue.path}: ${issue.message}`).join('; ');
      throw new CliError(`${method} ${url.pathname}: ${response.status} ${details || payload?.error || response.statusText}`);
    }
    return payload as T;
  }
}
