import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { ContainerConnection } from '../../lib/engine/connection/container';
import { LocalConnection } from '../../lib/engine/connection/local';
import { SshConnection } from '../../lib/engine/connection/ssh';
import type { Connection } from '../../lib/engine/connection/types';
import { FmfExecutor, type FmfExecutorOptions } from '../../lib/engine/executor/fmf-executor';
import { loadTestSuite } from '../../lib/engine/executor/suite';
import { ensureTestImage, startPodmanService, startTestContainer } from '../support/podman';
import { startSshd } from '../support/sshd';
import { ignoreCleanupFailure } from '../../lib/shared/errors';
import { afterAll, beforeAll, describe } from 'vitest';

const run = promisify(execFile);
const repoRoot = path.resolve(import.meta.dirname, '../..');

export type TransportName = 'local' | 'ssh' | 'container';

export const transportNames: TransportName[] = ['local', 'ssh', 'container'];

/** A system to run tests on, started for one test file and shared by its tests. */
export interface Transport {
  name: TransportName;
  /** A new connection to the system. */
  connect(): Connection;
  /** The `testyard exec` options that reach the same system. */
  cliArgs: string[];
  stop(): Promise<void>;
}

export async function startTransport(name: TransportName): Promise<Transport> {
  switch (name) {
    case 'local':
      return { name, connect: () => new LocalConnection(), cliArgs: ['--connection', 'local'], stop: async () => {} };
    case 'ssh': {
      const sshd = await startSshd();
      return {
        name,
        connect: () =>
          new SshConnection({
            host: sshd.host,
            port: sshd.port,
            username: sshd.username,
            privateKey: sshd.privateKey,
            hostKey: { kind: 'pinned', fingerprint: sshd.hostKeyFingerprint },
          }),
        cliArgs: ['--connection', sshd.url, '--identity', sshd.privateKeyPath, '--host-key', sshd.hostKeyFingerprint],
        stop: () => sshd.stop(),
      };
    }
    case 'container': {
      const image = await ensureTestImage();
      const service = await startPodmanService();
      const container = await startTestContainer(service.docker, image);
      return {
        name,
        connect: () => new ContainerConnection({ container: container.id, dockerHost: service.dockerHost }),
        cliArgs: ['--connection', `container:${container.id}`, '--docker-host', service.dockerHost],
        stop: async () => {
          await container.remove();
          await service.stop();
        },
      };
    }
  }
}

/** A new temporary directory holding `files` (relative path → content), parents created. */
export async function directoryWith(files: Record<string, string>, prefix = 'testyard-files-'): Promise<string> {
  const root = await mkdtemp(path.join(tmpdir(), prefix));
  for (const [name, content] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(root, name)), { recursive: true });
    await writeFile(path.join(root, name), content);
  }
  return root;
}

/** A fixture tree by name, or any tree by absolute path. */
export function fixtureTree(name: string): string {
  return path.resolve(repoRoot, 'tests/fixtures/exec', name);
}

export interface OpenExecutor {
  executor: FmfExecutor;
  connection: Connection;
  close(): Promise<void>;
}

/** An executor with its tree uploaded and the plan prepared, on a fresh connection. */
export async function openExecutor(
  transport: Transport,
  tree: string,
  options: FmfExecutorOptions & { plan?: string } = {},
): Promise<OpenExecutor> {
  const connection = transport.connect();
  const executor = new FmfExecutor(connection, await loadTestSuite(fixtureTree(tree), options.plan ?? '/plan'), options);
  await executor.setup();
  return {
    executor,
    connection,
    close: async () => {
      await executor.teardown().catch(ignoreCleanupFailure);
      await connection.close();
    },
  };
}

export interface Attempt {
  artifactsDir: string;
  /** The error runTest rejected with, if any. */
  error: Error | undefined;
  exitCode: number | undefined;
  /** `results` as parsed lines (empty when it does not exist). */
  results: Array<Record<string, unknown>>;
  /** Raw `results` text. */
  resultsText: string;
  /** Every file under files/, relative, sorted. */
  files: string[];
  file(relativePath: string): Promise<Buffer>;
}

export async function newArtifactsDir(): Promise<string> {
  return mkdtemp(path.join(tmpdir(), 'testyard-artifacts-'));
}

/** Runs one test and collects what it left in its artifacts folder. */
export async function attempt(
  executor: FmfExecutor,
  name: string,
  options: { environment?: Record<string, string>; signal?: AbortSignal } = {},
): Promise<Attempt> {
  const artifactsDir = await newArtifactsDir();
  let error: Error | undefined;
  let exitCode: number | undefined;
  try {
    exitCode = (await executor.runTest(name, artifactsDir, options)).exitCode;
  } catch (caught) {
    error = caught as Error;
  }
  return readAttempt(artifactsDir, { error, exitCode });
}

export async function readAttempt(artifactsDir: string, { error, exitCode }: { error?: Error; exitCode?: number } = {}): Promise<Attempt> {
  const resultsText = await readFile(path.join(artifactsDir, 'results'), 'utf8').catch(() => '');
  return {
    artifactsDir,
    error,
    exitCode,
    resultsText,
    results: resultsText
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as Record<string, unknown>),
    files: await listFiles(path.join(artifactsDir, 'files')),
    file: (relativePath) => readFile(path.join(artifactsDir, 'files', relativePath)),
  };
}

async function listFiles(dir: string, prefix = ''): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  const found: string[] = [];
  for (const entry of entries) {
    const relative = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isDirectory()) found.push(...(await listFiles(path.join(dir, entry.name), relative)));
    else found.push(relative);
  }
  return found.sort();
}

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `./bin/testyard ARGS` as a user would. */
export async function runCli(args: string[]): Promise<CliRun> {
  try {
    const { stdout, stderr } = await run(path.join(repoRoot, 'bin/testyard'), args, { cwd: repoRoot });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return { code: failed.code ?? -1, stdout: failed.stdout ?? '', stderr: failed.stderr ?? '' };
  }
}

/** True when a process with this pid is alive (not a zombie) on the machine this worker runs on. */
export async function processAlive(pid: number): Promise<boolean> {
  const state = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => undefined);
  return state !== undefined && !/^\d+ \(.*\) Z/.test(state);
}

export async function pathExists(target: string): Promise<boolean> {
  return stat(target).then(
    () => true,
    () => false,
  );
}

/**
 * `<title> over <transport>` for every transport, each suite with an executor
 * on the fixture tree opened before its tests and closed after them.
 */
export function describeOverEachTransport(
  title: string,
  tree: string,
  define: (suite: { transportName: TransportName; remote: () => OpenExecutor }) => void,
): void {
  describe.each(transportNames)(`${title} over %s`, (transportName) => {
    let transport: Transport | undefined;
    let remote: OpenExecutor | undefined;
    beforeAll(async () => {
      transport = await startTransport(transportName);
      remote = await openExecutor(transport, tree);
    });
    afterAll(async () => {
      await remote?.close();
      await transport?.stop();
    });
    define({ transportName, remote: () => remote! });
  });
}
