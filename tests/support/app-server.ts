import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import path from 'node:path';
import { freePort } from './free-port';
import { repoRoot } from './test-database';

export interface RunningApp {
  url: string;
  /** Its data folder: workers started beside it need its keys to read the secrets it stored. */
  dataDir: string;
  stop(): Promise<void>;
}

/** Runs the real web server and one worker, as `npm start` does, against the given database. */
export async function startApp(databaseUrl: string, extraEnv: Record<string, string> = {}): Promise<RunningApp> {
  const port = await freePort();
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
    // libvirt tests start workers of their own (one is killed on purpose); this one must not take their jobs
    TESTYARD_WORKER_KINDS: 'container,ssh,testing-farm,local',
    NODE_ENV: 'production',
    NEXT_TELEMETRY_DISABLED: '1',
    ...extraEnv,
  };
  const children = ['server.ts', 'worker/index.ts'].map((script) => launch(script, env));
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
  return { url, dataDir, stop };
}

function launch(script: string, env: NodeJS.ProcessEnv): ChildProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(repoRoot, script)], { cwd: repoRoot, env, stdio: ['ignore', 'pipe', 'pipe'] });
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
    const health = await fetch(`${url}/api/v1/health`).then((r) => r.json() as Promise<{ ok: boolean }>).catch(() => null);
    if (health?.ok) return;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`the app at ${url} did not become healthy in 90 s`);
}

async function stopAll(children: ChildProcess[]): Promise<void> {
  await Promise.all(
    children
      .filter((child) => child.exitCode === null && child.signalCode === null)
      .map((child) => new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
        setTimeout(() => child.kill('SIGKILL'), 15_000).unref();
      })),
  );
}
