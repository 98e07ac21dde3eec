// `npm start` as a newcomer runs it: no DATABASE_URL, so it initialises an
// embedded PostgreSQL under the data folder, migrates, and runs web + worker;
// Ctrl-C stops every process; a second start reuses the data.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, expect, inject, test } from 'vitest';
import { mailsTo } from '../support/accounts';
import { freePort } from '../support/free-port';
import { repoRoot } from '../support/test-database';

let dataDir: string;
const running: ChildProcess[] = [];

afterAll(async () => {
  for (const child of running) if (child.exitCode === null) child.kill('SIGKILL');
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

async function start(env: NodeJS.ProcessEnv) {
  // detached: its own process group, as a terminal's foreground job would be
  const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/start.ts'], { cwd: repoRoot, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  running.push(child);
  let output = '';
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));
  const url = `http://localhost:${env.PORT}`;
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`npm start exited early:\n${output}`);
    const health = await fetch(`${url}/api/v1/health`).then((r) => r.json()).catch(() => null);
    if (health?.ok) return { child, url, output: () => output };
    await new Promise((resolve) => setTimeout(resolve, 300));
  }
  throw new Error(`npm start did not become healthy:\n${output}`);
}

/** Ctrl-C in a terminal signals the whole foreground process group. */
async function pressCtrlC(child: ChildProcess): Promise<number | null> {
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  process.kill(-child.pid!, 'SIGINT');
  return exited;
}

const signIn = (url: string, password: string) =>
  fetch(`${url}/api/auth/sign-in/email`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: url },
    body: JSON.stringify({ email: 'first@example.com', password }),
  });

test('npm start boots embedded PostgreSQL, stops cleanly on Ctrl-C, and keeps the data', async () => {
  dataDir = await mkdtemp(path.join(repoRoot, '.data', 'test-start-'));
  await chmod(dataDir, 0o755);
  const env: NodeJS.ProcessEnv = { ...process.env, TESTYARD_DATA_DIR: dataDir, PORT: String(await freePort()), TESTYARD_PG_PORT: String(await freePort()) };
  delete env.DATABASE_URL;
  delete env.TESTYARD_URL;

  const first = await start(env);
  expect(existsSync(path.join(dataDir, 'postgres', 'PG_VERSION'))).toBe(true);
  expect(existsSync(path.join(dataDir, 'keys.json'))).toBe(true);
  const signUp = await fetch(`${first.url}/api/auth/sign-up/email`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: first.url },
    body: JSON.stringify({ email: 'first@example.com', password: 'the right password', name: 'First' }),
  });
  expect(signUp.status).toBe(200);

  const statuses = [];
  for (let i = 0; i < 11; i++) statuses.push((await signIn(first.url, 'a wrong password')).status);
  expect(statuses.slice(0, 9).every((s) => s === 401)).toBe(true);
  expect(statuses.at(-1)).toBe(429);

  expect(await pressCtrlC(first.child)).toBe(0);
  expect(first.output()).toMatch(/testyard: stopped/);
  expect(existsSync(path.join(dataDir, 'postgres', 'postmaster.pid'))).toBe(false);
  expect(await fetch(first.url).catch(() => 'refused')).toBe('refused');

  const second = await start(env);
  expect(second.output()).not.toMatch(/applying migration/);
  const again = await fetch(`${second.url}/api/auth/sign-up/email`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: second.url },
    body: JSON.stringify({ email: 'first@example.com', password: 'another password', name: 'Again' }),
  });
  // The same answer as for a new address (no session, no "already exists"); the owner gets a mail instead.
  expect(again.status).toBe(200);
  expect(again.headers.getSetCookie()).toEqual([]);
  await expect.poll(async () => (await mailsTo(dataDir, 'first@example.com')).map((mail) => mail.subject)).toContain('Someone tried to sign up with your address');
  expect(await pressCtrlC(second.child)).toBe(0);
}, 300_000);

test('with DATABASE_URL, npm start uses that database and starts no PostgreSQL of its own', async () => {
  const ownData = await mkdtemp(path.join(repoRoot, '.data', 'test-start-external-'));
  try {
    const env: NodeJS.ProcessEnv = { ...process.env, TESTYARD_DATA_DIR: ownData, PORT: String(await freePort()), DATABASE_URL: inject('databaseUrl') };
    delete env.TESTYARD_URL;
    const app = await start(env);
    expect(app.output()).not.toMatch(/embedded PostgreSQL/);
    expect(existsSync(path.join(ownData, 'postgres'))).toBe(false);
    expect(await pressCtrlC(app.child)).toBe(0);
  } finally {
    await rm(ownData, { recursive: true, force: true });
  }
}, 300_000);
