import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort } from './free-port';
import { repoRoot } from './test-database';

export interface RunningApp {
  url: string;
  /** Where the app keeps test artifacts (its artifact store's folder). */
  artifactsDir: string;
  /** Its TESTYARD_DATA_DIR: mails to users land in `mail/` there. */
  dataDir: string;
  /** The port of the one extra Testing Farm endpoint it allows (http://127.0.0.1:PORT), for a fake Testing Farm. */
  testingFarmPort: number;
  stop(): Promise<void>;
}

/** Set by the app tests' global setup: the artifact store folder every app of the test run uses. */
export const sharedArtifactsVariable = 'TESTYARD_TEST_ARTIFACTS_DIR';

const sharedSecretKey = Buffer.from('testyard test runs share this key').subarray(0, 32).toString('base64');

/**
 * What the tests' operator allows: repositories in folders under the
 * temporary directory, test systems (sshd, fakes) on loopback. Processes a
 * test starts itself need it too.
 */
export const testOperatorPolicy = {
  TESTYARD_LOCAL_REPO_ROOTS: tmpdir(),
  TESTYARD_OUTBOUND_ALLOW: '127.0.0.1,::1,localhost',
};

/**
 * The environment of a worker a test starts beside the shared app: the same
 * database, secret key and artifact store, so it can run what the app queued.
 */
export function sharedAppWorkerEnv(databaseUrl: string, dataDir: string, extraEnv: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    ...process.env,
    DATABASE_URL: databaseUrl,
    TESTYARD_DATA_DIR: dataDir,
    TESTYARD_SECRET_KEY: sharedSecretKey,
    TESTYARD_ARTIFACTS_DIR: process.env[sharedArtifactsVariable] ?? path.join(dataDir, 'artifacts'),
    ...testOperatorPolicy,
    ...extraEnv,
  };
}

/**
 * Runs the real web server and one worker against the given database: as
 * two processes, or with `asNpmStart` exactly as `npm start` runs them
 * (scripts/start.ts, which migrates, builds when needed and starts both).
 */
export async function startApp(
  databaseUrl: string,
  extraEnv: Record<string, string> = {},
  { asNpmStart = false } = {},
): Promise<RunningApp> {
  const port = await freePort();
  const testingFarmPort = await freePort();
  const url = `http://localhost:${port}`;
  const dataDir = await mkdtemp(path.join(repoRoot, '.data', 'test-app-'));
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    DATABASE_URL: databaseUrl,
    PORT: String(port),
    HOST: '127.0.0.1',
    TESTYARD_URL: url,
    TESTYARD_DATA_DIR: dataDir,
    TESTYARD_SIGNIN_PER_MINUTE: '1000',
    // Every app of a test run shares the database and its job queue: a secret one app stored, any worker may need.
    TESTYARD_SECRET_KEY: sharedSecretKey,
    TESTYARD_ARTIFACTS_DIR: process.env[sharedArtifactsVariable] ?? path.join(dataDir, 'artifacts'),
    ...testOperatorPolicy,
    TESTYARD_TESTING_FARM_URLS: `https://api.testing-farm.io,http://127.0.0.1:${testingFarmPort}`,
    // libvirt tests start workers of their own (one is killed on purpose); this one must not take their jobs
    TESTYARD_WORKER_KINDS: 'container,ssh,testing-farm,local',
    // webhook retries within seconds, so a test sees a delivery give up
    TESTYARD_WEBHOOK_RETRY_SECONDS: '0.5',
    TESTYARD_WEBHOOK_ATTEMPTS: '3',
    NODE_ENV: 'production',
    NEXT_TELEMETRY_DISABLED: '1',
    ...extraEnv,
  };
  const children = (asNpmStart ? ['scripts/start.ts'] : ['server.ts', 'worker/index.ts']).map((script) => launch(script, env));
  const stop = async () => {
    await stopAll(children);
    await rm(dataDir, { recursive: true, force: true });
  };
  try {
    await waitUntilHealthy(url, children);
  } catch (error) {
    await stop();
    throw error;
  }
  return { url, artifactsDir: env.TESTYARD_ARTIFACTS_DIR!, dataDir, testingFarmPort, stop };
}

function launch(script: string, env: NodeJS.ProcessEnv): ChildProcess {
  // e.g. TESTYARD_TEST_NODE_FLAGS='--cpu-prof --cpu-prof-dir=/tmp/profiles' to profile the app under a benchmark
  const nodeFlags = process.env.TESTYARD_TEST_NODE_FLAGS?.split(' ').filter(Boolean) ?? [];
  const child = spawn(process.execPath, [...nodeFlags, '--import', 'tsx', path.join(repoRoot, script)], {
    cwd: repoRoot,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const prefix = `[${path.basename(script, '.ts')}] `;
  const relay = (chunk: Buffer) => process.stderr.write(chunk.toString().replace(/^(?=.)/gm, prefix));
  child.stdout!.on('data', process.env.TESTYARD_TEST_LOGS ? relay : () => {});
  child.stderr!.on('data', relay);
  return child;
}

async function waitUntilHealthy(url: string, children: ChildProcess[]): Promise<void> {
  const deadline = Date.now() + 90_000;
  while (Date.now() < deadline) {
    const dead = children.find((child) => child.exitCode !== null);
    if (dead) throw new Error(`${dead.spawnargs.at(-1)} exited with code ${dead.exitCode} while starting`);
    const health = await fetch(`${url}/api/v1/health`)
      .then((r) => r.json() as Promise<{ ok: boolean }>)
      .catch(() => null);
    if (health?.ok) return;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`the app at ${url} did not become healthy in 90 s`);
}

async function stopAll(children: ChildProcess[]): Promise<void> {
  await Promise.all(
    children
      .filter((child) => child.exitCode === null && child.signalCode === null)
      .map(
        (child) =>
          new Promise<void>((resolve) => {
            child.once('exit', () => resolve());
            child.kill('SIGTERM');
            setTimeout(() => child.kill('SIGKILL'), 15_000).unref();
          }),
      ),
  );
}
