import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface SshServer {
  host: string;
  port: number;
  username: string;
  /** Client private key (OpenSSH format) whose public half is authorized. */
  privateKey: string;
  privateKeyPath: string;
  /** The server's host key fingerprint, `SHA256:...` as OpenSSH prints it. */
  hostKeyFingerprint: string;
  /** `ssh://root@127.0.0.1:PORT` */
  url: string;
  /** The listening daemon's process id: every session's processes descend from it. */
  pid: number;
  stop(): Promise<void>;
}

export interface SshdOptions {
  /** Run inside this network namespace (`ip netns exec`), listening on `listenAddress`. */
  netns?: string;
  /** Default 127.0.0.1. */
  listenAddress?: string;
  /** An existing client key (its `.pub` beside it) to authorise instead of a fresh one. */
  clientKeyPath?: string;
}

/**
 * Starts a throwaway OpenSSH server on a free loopback port, logging in as
 * the current user (root) with a freshly generated key. Needs openssh-server
 * (`/usr/sbin/sshd`) and ssh-keygen.
 */
export async function startSshd(options: SshdOptions = {}): Promise<SshServer> {
  const dir = await mkdtemp(path.join(tmpdir(), 'testyard-sshd-'));
  const hostKeyPath = path.join(dir, 'host_ed25519');
  const clientKeyPath = options.clientKeyPath ?? path.join(dir, 'client_ed25519');
  const listenAddress = options.listenAddress ?? '127.0.0.1';
  await Promise.all([
    run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', hostKeyPath]),
    options.clientKeyPath ? Promise.resolve() : run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', clientKeyPath]),
    // privilege separation needs this directory to exist
    mkdir('/run/sshd', { recursive: true, mode: 0o755 }),
  ]);
  await writeFile(path.join(dir, 'authorized_keys'), await readFile(`${clientKeyPath}.pub`));
  const port = await freePort();
  const configPath = path.join(dir, 'sshd_config');
  await writeFile(
    configPath,
    [
      `ListenAddress ${listenAddress}`,
      `HostKey ${hostKeyPath}`,
      `AuthorizedKeysFile ${path.join(dir, 'authorized_keys')}`,
      'PermitRootLogin yes',
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'UsePAM no',
      'StrictModes no',
      'PidFile none',
      'MaxSessions 64',
      'MaxStartups 64',
      'LogLevel INFO',
      '',
    ].join('\n'),
  );
  const fingerprintLine = (await run('ssh-keygen', ['-l', '-E', 'sha256', '-f', `${hostKeyPath}.pub`])).stdout;
  const hostKeyFingerprint = fingerprintLine.split(' ')[1] ?? '';

  const sshd = ['/usr/sbin/sshd', '-D', '-e', '-f', configPath, '-p', String(port)];
  const [command = '', ...args] = options.netns ? ['ip', 'netns', 'exec', options.netns, ...sshd] : sshd;
  const server = spawn(command, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  await waitForListening(server);
  return {
    host: listenAddress,
    port,
    username: 'root',
    privateKey: await readFile(clientKeyPath, 'utf8'),
    privateKeyPath: clientKeyPath,
    hostKeyFingerprint,
    url: `ssh://root@${listenAddress}:${port}`,
    pid: server.pid!,
    stop: async () => {
      if (server.exitCode === null && server.signalCode === null) {
        const exited = once(server, 'exit');
        server.kill('SIGTERM');
        await exited;
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
}

function waitForListening(server: ChildProcess): Promise<void> {
  return new Promise((resolve, reject) => {
    const log: string[] = [];
    const lines = createInterface({ input: server.stderr! });
    lines.on('line', (line) => {
      log.push(line);
      if (line.includes('Server listening on')) resolve();
    });
    server.once('exit', (code) => reject(new Error(`sshd exited with ${code}:\n${log.join('\n')}`)));
    server.once('error', reject);
  });
}

async function freePort(): Promise<number> {
  const probe = createServer();
  probe.listen(0, '127.0.0.1');
  await once(probe, 'listening');
  const address = probe.address();
  probe.close();
  if (!address || typeof address === 'string') throw new Error('no port');
  return address.port;
}
