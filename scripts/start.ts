// `npm start`: one command for the whole product. Boots (or connects to) the
// database, applies migrations, builds the web app if needed, then runs the
// web server and one worker until Ctrl-C, which stops everything cleanly.
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { projectRoot } from '../lib/config';
import { prepareDatabase } from '../lib/db/bootstrap';
import { loadServerKeys } from '../lib/secrets/keys';
import { buildIfNeeded } from './next-build';

const dev = process.argv.includes('--dev');
const log = (line: string) => console.log(`testyard: ${line}`);

loadServerKeys();
const database = await prepareDatabase(log);
if (!dev) await buildIfNeeded(projectRoot(), log);

const env: NodeJS.ProcessEnv = { ...process.env, DATABASE_URL: database.url, NODE_ENV: dev ? 'development' : 'production', NEXT_TELEMETRY_DISABLED: '1' };
const children: ChildProcess[] = [];

function launch(script: string, args: string[] = []): ChildProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(projectRoot(), script), ...args], { stdio: 'inherit', env, cwd: projectRoot() });
  child.on('exit', (code, signal) => {
    if (!stopping) {
      log(`${script} exited unexpectedly (${signal ?? `code ${code}`}); stopping everything`);
      void stop(1);
    }
  });
  children.push(child);
  return child;
}

let stopping = false;
async function stop(exitCode: number): Promise<void> {
  if (stopping) return;
  stopping = true;
  const exits = children.filter((child) => child.exitCode === null && child.signalCode === null).map(
    (child) => new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
      setTimeout(() => child.kill('SIGKILL'), 15_000).unref();
    }),
  );
  await Promise.all(exits);
  await database.stop();
  log('stopped');
  process.exit(exitCode);
}

process.on('SIGINT', () => void stop(0));
process.on('SIGTERM', () => void stop(0));

launch('server.ts', dev ? ['--dev'] : []);
launch('worker/index.ts');
