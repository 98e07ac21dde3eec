import { randomUUID } from 'node:crypto';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { RunEvent } from '../../lib/shared/events/catalogue';
import { FmfExecutor } from '../../lib/engine/executor/fmf-executor';
import { FileRunAggregator, junitXml } from '../../lib/engine/export';
import { discoverTests, fetchTestRepository, type ContextDimensions } from '../../lib/engine/fmf';
import { AdHocOrchestrator, plannedRun, type PlannedRun, type PlatformOutcome } from '../../lib/engine/orchestrator';
import { createProvisioner, type ProvisionerContext } from '../../lib/engine/provision/from-config';
import type { PoolHost } from '../../lib/engine/provision/ssh-pool';
import { MemoryHostLeases } from '../../lib/engine/provision/ssh-pool/memory-host-leases';
import type { Provisioner } from '../../lib/engine/provision/types';
import { onOutputClosed } from '../closed-output';
import { CliError, parseOptions, type Command } from '../command';
import { messageOf } from '../../lib/shared/errors';

const usage = `usage: testyard run (--tree PATH | --repo URL [--ref REF]) --plan NAME --platform NAME=SPEC...
                    [--context KEY=VALUE]... [--max-remotes N] [--spares N] [--reruns N]
                    [--jsonl FILE] [--junit FILE] [--artifacts DIR]

Runs a plan's tests on every platform, ad hoc, without the web app.

  --platform NAME=SPEC   repeatable; the same NAME twice spreads it over several provisioners. SPEC:
                           local                       this host (one system per CPU, or --max-remotes)
                           container:IMAGE             a container per system (--docker-host, --network)
                           ssh:USER@HOST:PORT[,HOST2…]  a pool of hosts (--identity); HOST2 may be
                                                       USER@HOST:PORT, HOST:PORT or HOST
  --context KEY=VALUE    fmf context; several values comma-separated
  --max-remotes N        systems running tests at once per platform (default: one per test)
  --spares N             set-up systems held in reserve (default 0)
  --reruns N             reruns of an unsuccessful test (default 2)
  --jsonl FILE           atex-compatible JSON Lines of every test's result (overwritten)
  --junit FILE           JUnit XML of the run (written at the end)
  --artifacts DIR        where test files go (default: a new temporary folder)
  --identity FILE        ssh private key (default ~/.ssh/id_ed25519)
  --docker-host URL      container API (default DOCKER_HOST, else the Docker socket)
  --network MODE         container network mode, e.g. host

Exit status: 0 every test passed, 1 some test failed, 2 infrastructure
failure, cancel (Ctrl-C) or bad usage.`;

interface ProvisionerSettings {
  /** --max-remotes: also how many local systems may run at once (default one per CPU). */
  maxRemotes?: number;
  identity?: string;
  dockerHost?: string;
  network?: string;
  runId: string;
}

export const command: Command = async (argv) => {
  const { values } = parseOptions(argv, usage, {
    tree: { type: 'string' },
    repo: { type: 'string' },
    ref: { type: 'string' },
    plan: { type: 'string' },
    platform: { type: 'string', multiple: true },
    context: { type: 'string', multiple: true },
    'max-remotes': { type: 'string' },
    spares: { type: 'string' },
    reruns: { type: 'string' },
    jsonl: { type: 'string' },
    junit: { type: 'string' },
    artifacts: { type: 'string' },
    identity: { type: 'string' },
    'docker-host': { type: 'string' },
    network: { type: 'string' },
  });
  if (Boolean(values.tree) === Boolean(values.repo)) throw new CliError(`give exactly one of --tree and --repo\n${usage}`);
  if (values.ref && !values.repo) throw new CliError('--ref needs --repo');
  if (!values.plan) throw new CliError(`missing --plan\n${usage}`);
  if (!values.platform?.length) throw new CliError(`missing --platform\n${usage}`);
  const limits = {
    maxRemotes: values['max-remotes'] === undefined ? undefined : count(values['max-remotes'], '--max-remotes', 1),
    maxSpares: values.spares === undefined ? 0 : count(values.spares, '--spares', 0),
    reruns: values.reruns === undefined ? 2 : count(values.reruns, '--reruns', 0),
  };
  const settings: ProvisionerSettings = {
    maxRemotes: limits.maxRemotes,
    identity: values.identity,
    dockerHost: values['docker-host'],
    network: values.network,
    runId: `cli-${randomUUID().slice(0, 8)}`,
  };
  const platforms = new Map<string, Provisioner[]>();
  for (const option of values.platform) {
    const separator = option.indexOf('=');
    if (separator <= 0) throw new CliError(`--platform ${option}: expected NAME=SPEC`);
    const name = option.slice(0, separator);
    platforms.set(name, [...(platforms.get(name) ?? []), await provisionerFromCommandLine(name, option.slice(separator + 1), settings)]);
  }

  const planned = await planRun(values, values.plan, parseContext(values.context ?? []));
  if (planned.tests.length === 0) throw new CliError(`plan ${values.plan} selects no tests`);
  const filesDir = path.resolve(values.artifacts ?? (await mkdtemp(path.join(tmpdir(), 'testyard-run-'))));
  const jsonlPath = values.jsonl && path.resolve(values.jsonl);
  if (jsonlPath) await writeFile(jsonlPath, '');
  const aggregator = new FileRunAggregator({ filesDir, jsonlPath });

  const cancel = new AbortController();
  const onSignal = () => cancel.abort(new Error('interrupted'));
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  // Nobody reads the progress any more: give the systems back and end, as on Ctrl-C.
  const stopWatchingOutput = onOutputClosed(() => cancel.abort(new Error('output closed')));
  print(`run ${settings.runId}: ${planned.tests.length} tests of ${values.plan} on ${[...platforms.keys()].join(', ')}`);
  let outcomes: Array<[string, PlatformOutcome]>;
  try {
    outcomes = await Promise.all(
      [...platforms].map(async ([name, provisioners]): Promise<[string, PlatformOutcome]> => {
        const orchestrator = new AdHocOrchestrator({
          platform: name,
          tests: planned.tests,
          provisioners,
          createExecutor: (remote) => new FmfExecutor(remote.connection, planned.suite),
          aggregator: aggregator.forPlatform(name),
          onEvent: printProgress,
          ...limits,
          signal: cancel.signal,
        });
        return [name, await orchestrator.run()];
      }),
    );
  } finally {
    await aggregator.close();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    stopWatchingOutput();
  }

  if (values.junit) await writeFile(values.junit, junitXml(aggregator.attempts()));
  for (const [name, outcome] of outcomes) {
    print(
      `${name}: ${outcome.status}, ${outcome.passed} passed, ${outcome.failed} failed of ${outcome.total}${outcome.error ? ` (${outcome.error})` : ''}`,
    );
    for (const problem of outcome.releaseErrors) print(`${name}: release failed: ${problem}`);
  }
  print(`files: ${filesDir}`);
  if (outcomes.some(([, outcome]) => outcome.status === 'error' || outcome.status === 'cancelled')) return 2;
  return outcomes.some(([, outcome]) => outcome.status === 'failed') ? 1 : 0;
};

async function planRun(
  source: { tree?: string; repo?: string; ref?: string },
  plan: string,
  context: ContextDimensions,
): Promise<PlannedRun> {
  try {
    const treePath = source.tree ? path.resolve(source.tree) : (await fetchTestRepository({ url: source.repo!, ref: source.ref })).treePath;
    return plannedRun(await discoverTests(treePath, { plan, context }));
  } catch (error) {
    throw new CliError(`cannot load plan ${plan} from ${source.tree ?? source.repo}: ${messageOf(error)}`);
  }
}

/** A provisioner from a `--platform NAME=SPEC` option: the command line's own adapter to createProvisioner, as worker/provisioners.ts is the worker's. */
async function provisionerFromCommandLine(platform: string, spec: string, settings: ProvisionerSettings): Promise<Provisioner> {
  const where = `--platform ${platform}=${spec}`;
  const context: ProvisionerContext = {
    platformId: platform,
    runId: settings.runId,
    owner: `testyard-run:${process.pid}`,
    dockerHost: settings.dockerHost,
    networkMode: settings.network,
    hostLeases: new MemoryHostLeases(),
    onNewHostKey: (host, port, fingerprint) => print(`${platform}: ${host}:${port} host key ${fingerprint}`),
  };
  if (spec === 'local') return createProvisioner({ kind: 'local' }, { ...context, maxLocalSystems: settings.maxRemotes });
  if (spec.startsWith('container:')) {
    const image = spec.slice('container:'.length);
    if (!image) throw new CliError(`${where}: expected container:IMAGE`);
    return createProvisioner({ kind: 'container', image, env: {}, privileged: false }, context);
  }
  if (spec.startsWith('ssh:')) {
    const identity = settings.identity ?? path.join(process.env.HOME ?? '/root', '.ssh', 'id_ed25519');
    const privateKey = await readFile(identity, 'utf8').catch((error: Error) => {
      throw new CliError(`${where}: cannot read the ssh key ${identity}: ${error.message}`);
    });
    const hosts = parseSshHosts(spec.slice('ssh:'.length), where);
    return createProvisioner({ kind: 'ssh', hosts, hostKeyFingerprints: {} }, { ...context, secret: privateKey });
  }
  throw new CliError(`${where}: expected local, container:IMAGE or ssh:USER@HOST:PORT[,HOST2…]`);
}

/** `USER@HOST:PORT,HOST2:PORT,HOST3`: later hosts take the first one's user, and port 22 when they give none. */
function parseSshHosts(list: string, where: string): PoolHost[] {
  let user: string | undefined;
  return list.split(',').map((item) => {
    const match = /^(?:([^@\s]+)@)?([^:@\s]+)(?::(\d+))?$/.exec(item.trim());
    if (!match) throw new CliError(`${where}: "${item}" is not USER@HOST[:PORT]`);
    user = match[1] ?? user;
    if (!user) throw new CliError(`${where}: the first host needs a user (USER@HOST:PORT)`);
    const port = match[3] ? Number(match[3]) : 22;
    if (port < 1 || port > 65535) throw new CliError(`${where}: port ${match[3]} is out of range`);
    return { user, host: match[2]!, port };
  });
}

function parseContext(pairs: readonly string[]): ContextDimensions {
  const context: ContextDimensions = {};
  for (const pair of pairs) {
    const separator = pair.indexOf('=');
    if (separator <= 0) throw new CliError(`invalid --context '${pair}': expected KEY=VALUE`);
    const name = pair.slice(0, separator);
    const values = [
      ...[context[name] ?? []].flat(),
      ...pair
        .slice(separator + 1)
        .split(',')
        .map((value) => value.trim()),
    ];
    context[name] = values.length === 1 ? values[0]! : values;
  }
  return context;
}

function count(text: string, option: string, minimum: number): number {
  const value = Number(text);
  if (!/^\d+$/.test(text) || value < minimum) throw new CliError(`${option} needs a whole number ≥ ${minimum}, got "${text}"`);
  return value;
}

function print(line: string): void {
  process.stdout.write(`${line}\n`);
}

/** One line per event that a person following the run cares about. */
function printProgress(event: RunEvent): void {
  switch (event.type) {
    case 'remote.provisioned':
    case 'remote.ready':
      print(`${event.platform}: ${event.remote} ${event.type === 'remote.ready' ? 'ready' : 'provisioned'}`);
      break;
    case 'remote.provision-failed':
      print(`${event.platform}: provisioning failed: ${event.error}`);
      break;
    case 'remote.setup-failed':
      print(`${event.platform}: ${event.remote} setup failed: ${event.error}`);
      break;
    case 'test.finished': {
      const result = event.exception ?? (event.exitCode === 0 ? 'pass' : `exit code ${event.exitCode}`);
      print(`${event.platform}: ${event.test} (attempt ${event.attempt}) on ${event.remote}: ${result}`);
      break;
    }
    case 'test.rerun-scheduled':
      print(`${event.platform}: ${event.test} runs again (attempt ${event.attempt}): ${event.reason}`);
      break;
    case 'platform.progress':
      if (event.done > 0) print(`${event.platform}: ${event.done}/${event.total} done, ${event.passed} passed, ${event.failed} failed`);
      break;
    default:
      break;
  }
}
