// `npm start`: one command for the whole product. Boots (or connects to) the
// database, applies migrations, builds the web app if needed, finds (or
// starts) a container engine, then runs the web server and one worker,
// starting either again when it dies, until Ctrl-C stops everything cleanly.
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { dataDir, projectRoot } from '../lib/server/config';
import { prepareDatabase } from '../lib/server/db/bootstrap';
import { createDb } from '../lib/server/db/client';
import { recordProcessExit, recordRestart } from '../lib/server/health/process-exits';
import { chooseContainerEngine, untilEngineAnswers } from '../lib/server/process/container-engine';
import { Supervisor, type UnexpectedExit } from '../lib/server/process/supervisor';
import { loadServerKeys } from '../lib/server/secrets/keys';
import { buildIfNeeded } from './next-build';

const dev = process.argv.includes('--dev');
const log = (line: string) => console.log(`testyard: ${line}`);

loadServerKeys();
const database = await prepareDatabase(log);
if (!dev) await buildIfNeeded(projectRoot(), log);

const env: NodeJS.ProcessEnv = {
  ...process.env,
  DATABASE_URL: database.url,
  NODE_ENV: dev ? 'development' : 'production',
  NEXT_TELEMETRY_DISABLED: '1',
};
const db = createDb(database.url);
const exitIds = new WeakMap<UnexpectedExit, Promise<string>>();
const supervisor = new Supervisor({
  log,
  onExit: async (exit) => {
    const id = recordProcessExit(db, exit);
    exitIds.set(exit, id);
    await id;
  },
  onRestart: async (exit, child) => {
    const id = await exitIds.get(exit);
    if (id && child.pid) await recordRestart(db, id, child.pid);
  },
});

let stopping = false;
async function stop(exitCode: number): Promise<void> {
  if (stopping) return;
  stopping = true;
  await supervisor.stop();
  await db.$disconnect();
  await database.stop();
  log('stopped');
  process.exit(exitCode);
}
process.on('SIGINT', () => void stop(0));
process.on('SIGTERM', () => void stop(0));

const engine = await chooseContainerEngine(path.join(dataDir(), 'podman.sock'));
if (engine.how === 'none') {
  log('no container engine found (install podman or Docker, or set TESTYARD_DOCKER_HOST): container platforms cannot run');
} else {
  env.TESTYARD_DOCKER_HOST = engine.dockerHost;
  if (engine.how === 'podman-service') {
    log(`starting podman's API service on ${engine.dockerHost}`);
    supervisor.start('podman', engine.start, { stopLast: true });
    if (!(await untilEngineAnswers(engine.dockerHost, 20_000)))
      log('the podman service does not answer yet; the worker serves container platforms once it does');
  } else {
    log(`container platforms use the engine at ${engine.dockerHost}`);
  }
}

function node(script: string, args: string[] = []): () => ChildProcess {
  return () =>
    spawn(process.execPath, ['--import', 'tsx', path.join(projectRoot(), script), ...args], { stdio: 'inherit', env, cwd: projectRoot() });
}
if (!stopping) {
  supervisor.start('web', node('server.ts', dev ? ['--dev'] : []));
  supervisor.start('worker', node('worker/index.ts'));
}
