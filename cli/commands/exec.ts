import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { ContainerConnection } from '../../lib/engine/connection/container';
import { LocalConnection } from '../../lib/engine/connection/local';
import { SshConnection } from '../../lib/engine/connection/ssh';
import type { Connection } from '../../lib/engine/connection/types';
import { ExecutorError } from '../../lib/engine/executor/errors';
import { FmfExecutor } from '../../lib/engine/executor/fmf-executor';
import { loadTestSuite } from '../../lib/engine/executor/suite';
import { CliError, parseOptions, type Command } from '../command';
import { messageOf } from '../../lib/shared/errors';

const usage = `usage: testyard exec --connection CONNECTION --tree PATH [--plan NAME] --test NAME --artifacts DIR

Runs one fmf test on one system and prints its results as JSON Lines.

  --connection   local | ssh://USER@HOST[:PORT] | container:ID
  --identity     private key file for ssh (default: ~/.ssh/id_ed25519)
  --host-key     expected ssh host key fingerprint (SHA256:...); without it
                 the first key seen is accepted and printed to stderr
  --docker-host  Docker/Podman API for container: (default: DOCKER_HOST or /var/run/docker.sock)
  --env KEY=VALUE  extra test environment (repeatable)

Exit status: 0 when the test ran (whatever its result), 1 when the run
broke (setup, timeout, lost connection, bad control stream), 2 on bad usage.`;

export const command: Command = async (argv) => {
  const { values } = parseOptions(argv, usage, {
    connection: { type: 'string' },
    tree: { type: 'string' },
    plan: { type: 'string' },
    test: { type: 'string' },
    artifacts: { type: 'string' },
    identity: { type: 'string' },
    'host-key': { type: 'string' },
    'docker-host': { type: 'string' },
    env: { type: 'string', multiple: true },
  });
  const missing = (['connection', 'tree', 'test', 'artifacts'] as const).filter((name) => !values[name]);
  if (missing.length) throw new CliError(`missing ${missing.map((name) => `--${name}`).join(', ')}\n${usage}`);
  const artifactsDir = path.resolve(values.artifacts!);

  const suite = await loadSuite(values.tree!, values.plan);
  if (!suite.tests.has(values.test!)) {
    throw new CliError(`test ${values.test} not found (tests: ${[...suite.tests.keys()].join(', ') || 'none'})`);
  }
  const environment = Object.fromEntries((values.env ?? []).map(parseAssignment));
  const connection = await openConnection(values.connection!, values);
  const executor = new FmfExecutor(connection, suite);
  await mkdir(artifactsDir, { recursive: true });
  try {
    await executor.setup();
    try {
      await executor.runTest(values.test!, artifactsDir, { environment });
    } finally {
      await printResults(artifactsDir);
      await executor.teardown().catch((error: Error) => process.stderr.write(`testyard exec: teardown: ${error.message}\n`));
    }
    return 0;
  } catch (error) {
    if (error instanceof ExecutorError || (error instanceof Error && error.name === 'ConnectionError')) {
      process.stderr.write(`testyard exec: ${error.name}: ${error.message}\n`);
      return 1;
    }
    throw error;
  } finally {
    await connection.close();
  }
};

async function loadSuite(tree: string, plan: string | undefined): ReturnType<typeof loadTestSuite> {
  try {
    return await loadTestSuite(tree, plan);
  } catch (error) {
    throw new CliError(`cannot load ${tree}: ${messageOf(error)}`);
  }
}

function parseAssignment(text: string): [string, string] {
  const separator = text.indexOf('=');
  if (separator <= 0) throw new CliError(`--env needs KEY=VALUE, got "${text}"`);
  return [text.slice(0, separator), text.slice(separator + 1)];
}

async function openConnection(
  spec: string,
  options: { identity?: string; 'host-key'?: string; 'docker-host'?: string },
): Promise<Connection> {
  if (spec === 'local') return new LocalConnection();
  if (spec.startsWith('container:')) {
    return new ContainerConnection({ container: spec.slice('container:'.length), dockerHost: options['docker-host'] });
  }
  if (spec.startsWith('ssh://')) {
    const address = new URL(spec);
    if (!address.username || !address.hostname) throw new CliError(`--connection ${spec}: expected ssh://USER@HOST[:PORT]`);
    const identity = options.identity ?? path.join(process.env.HOME ?? '/root', '.ssh', 'id_ed25519');
    let privateKey: string;
    try {
      privateKey = await readFile(identity, 'utf8');
    } catch (error) {
      throw new CliError(`cannot read the ssh key ${identity}: ${messageOf(error)}`);
    }
    const pinned = options['host-key'];
    return new SshConnection({
      host: address.hostname,
      port: address.port ? Number(address.port) : 22,
      username: decodeURIComponent(address.username),
      privateKey,
      hostKey: pinned
        ? { kind: 'pinned', fingerprint: pinned }
        : {
            kind: 'accept-new',
            onNewHostKey: (fingerprint) => process.stderr.write(`testyard exec: ${address.host} host key ${fingerprint}\n`),
          },
    });
  }
  throw new CliError(`--connection ${spec}: expected local, ssh://USER@HOST:PORT or container:ID`);
}

async function printResults(artifactsDir: string): Promise<void> {
  const results = await readFile(path.join(artifactsDir, 'results'), 'utf8').catch(() => '');
  process.stdout.write(results);
}
