import { createHash } from 'node:crypto';
import { PassThrough, type Duplex, type Readable } from 'node:stream';
import { Client, type ClientChannel } from 'ssh2';
import { describeExit, extractTarWithCommand } from '../run';
import { shellCommand } from '../shell-quote';
import { appendToFileUntil, emptyStream } from '../streams';
import { ConnectionError, type Connection, type ExitStatus, type RemoteProcess, type RunOptions } from '../types';
import { messageOf } from '../../../shared/errors';

/**
 * How the server's host key is checked: against a known fingerprint, or
 * accepted on first sight (then pinned for every reconnect) and reported.
 */
export type HostKeyPolicy = { kind: 'pinned'; fingerprint: string } | { kind: 'accept-new'; onNewHostKey?(fingerprint: string): void };

export interface SshConnectionOptions {
  host: string;
  port?: number;
  username: string;
  /** OpenSSH or PEM private key text. */
  privateKey: string;
  passphrase?: string;
  hostKey: HostKeyPolicy;
  keepaliveIntervalMs?: number;
  keepaliveCountMax?: number;
  connectTimeoutMs?: number;
  /**
   * Checks the host before every connection and names the address to
   * connect to (the one it checked): the operator's outbound policy on
   * workers; absent on the command line.
   */
  destinations?: DestinationCheck;
  /** Opens the stream the SSH session runs over instead of a TCP connection, e.g. a tunnel through a jump host. */
  via?: () => Promise<Duplex>;
}

export interface DestinationCheck {
  /** A checked address of `host`; throws (with a message fit for the tenant) when it may not be reached. */
  resolveOne(host: string): Promise<string>;
}

/** OpenSSH's fingerprint format: `SHA256:` and the unpadded base64 digest of the key blob. */
export function sshFingerprint(hostKeyBlob: Buffer): string {
  return `SHA256:${createHash('sha256').update(hostKeyBlob).digest('base64').replace(/=+$/, '')}`;
}

export class SshConnection implements Connection {
  readonly label: string;
  private client: Client | undefined;
  private connecting: Promise<Client> | undefined;
  private pinnedFingerprint: string | undefined;

  constructor(private readonly options: SshConnectionOptions) {
    this.label = `ssh://${options.username}@${options.host}:${options.port ?? 22}`;
    if (options.hostKey.kind === 'pinned') this.pinnedFingerprint = options.hostKey.fingerprint;
  }

  /** The fingerprint every connection is checked against, once known. */
  get hostKeyFingerprint(): string | undefined {
    return this.pinnedFingerprint;
  }

  async connect(): Promise<void> {
    await this.openClient();
  }

  private openClient(): Promise<Client> {
    if (this.client) return Promise.resolve(this.client);
    if (this.connecting) return this.connecting;
    const connecting = this.handshake().then((client) => {
      // disconnect() while the handshake went on: this connection is not wanted any more
      if (this.connecting !== connecting) {
        if (this.client === client) this.client = undefined;
        client.destroy();
        throw new ConnectionError(`${this.label}: disconnected while connecting`);
      }
      return client;
    });
    this.connecting = connecting;
    const settled = () => {
      if (this.connecting === connecting) this.connecting = undefined;
    };
    void connecting.then(settled, settled);
    return connecting;
  }

  private async handshake(): Promise<Client> {
    let address = this.options.host;
    // a tunnel reaches what the jump host reaches: its own connection was checked
    if (this.options.destinations && !this.options.via) {
      try {
        address = await this.options.destinations.resolveOne(this.options.host);
      } catch (error) {
        throw new ConnectionError(`${this.label}: ${messageOf(error)}`);
      }
    }
    const client = new Client();
    let hostKeyProblem: string | undefined;
    const sock = this.options.via ? await this.options.via() : undefined;
    return new Promise<Client>((resolve, reject) => {
      client.once('ready', () => {
        // requests to a long-lived command are small writes: Nagle would hold
        // them until the server's delayed ACK (tens of milliseconds)
        client.setNoDelay(true);
        this.client = client;
        const gone = () => {
          if (this.client === client) this.client = undefined;
        };
        client.once('close', gone);
        // A tunnelled session whose tunnel ended reports 'end' and, until destroyed, never 'close': its keepalive stops
        // and requests made on it would wait forever (a guest that rebooted under a jump host).
        client.once('end', () => {
          gone();
          client.destroy();
        });
        resolve(client);
      });
      // `on`, not `once`: a tunnelled session (`via`) can report its end twice, and a second error unheard would crash the process
      client.on('error', (error) => {
        client.destroy();
        reject(new ConnectionError(`${this.label}: ${hostKeyProblem ?? error.message}`));
      });
      client.once('close', () => reject(new ConnectionError(`${this.label}: connection closed during handshake`)));
      client.connect({
        host: address,
        port: this.options.port ?? 22,
        username: this.options.username,
        privateKey: this.options.privateKey,
        passphrase: this.options.passphrase,
        keepaliveInterval: this.options.keepaliveIntervalMs ?? 5_000,
        keepaliveCountMax: this.options.keepaliveCountMax ?? 3,
        readyTimeout: this.options.connectTimeoutMs ?? 20_000,
        sock,
        hostVerifier: (key: Buffer) => {
          const fingerprint = sshFingerprint(key);
          if (this.pinnedFingerprint === undefined) {
            this.pinnedFingerprint = fingerprint;
            if (this.options.hostKey.kind === 'accept-new') this.options.hostKey.onNewHostKey?.(fingerprint);
            return true;
          }
          if (fingerprint === this.pinnedFingerprint) return true;
          hostKeyProblem = `host key mismatch: expected ${this.pinnedFingerprint}, server offered ${fingerprint}`;
          return false;
        },
      });
    });
  }

  async run(argv: readonly string[], options: RunOptions = {}): Promise<RemoteProcess> {
    const client = await this.openClient();
    const channel = await new Promise<ClientChannel>((resolve, reject) =>
      client.exec(shellCommand(argv), (error, opened) =>
        error ? reject(new ConnectionError(`${this.label}: cannot start a command: ${error.message}`)) : resolve(opened),
      ),
    );
    const stderrTarget = options.stderr ?? 'pipe';
    const stderrFile = stderrTarget === 'pipe' ? undefined : appendToFileUntil(channel.stderr, stderrTarget.appendToFile);
    const stdout = new PassThrough();
    channel.pipe(stdout);
    // a reader that stops early must not stall the channel: its end (exit status, close) comes after the data
    stdout.once('close', () => {
      channel.unpipe(stdout);
      channel.resume();
    });
    // a dropped transport closes the channel without ending it
    channel.once('close', () => stdout.end());
    const exited = new Promise<ExitStatus>((resolve) => {
      let reported: ExitStatus | undefined;
      channel.once('exit', (code: number | null, signal?: string) => {
        reported = code === null ? { kind: 'signaled', signal: signal ?? 'unknown' } : { kind: 'exited', code };
      });
      channel.once('close', () => {
        const status = reported ?? { kind: 'lost', reason: 'the channel closed without an exit status' };
        (stderrFile?.close() ?? Promise.resolve()).then(
          () => resolve(status),
          (error: Error) => resolve({ kind: 'lost', reason: `cannot store stderr: ${error.message}` }),
        );
      });
    });
    channel.on('error', () => {});
    return {
      stdin: channel,
      stdout,
      stderr: stderrTarget === 'pipe' ? channel.stderr : emptyStream(),
      exited,
      kill: () => {
        channel.end();
        channel.signal('TERM');
      },
    };
  }

  /** An interactive login shell on a terminal of the given size (like `ssh` with no command). */
  async shell(terminal: { rows: number; cols: number; term: string }): Promise<ClientChannel> {
    const client = await this.openClient();
    return new Promise((resolve, reject) =>
      client.shell({ rows: terminal.rows, cols: terminal.cols, term: terminal.term }, (error, channel) =>
        error ? reject(new ConnectionError(`${this.label}: cannot open a shell: ${error.message}`)) : resolve(channel),
      ),
    );
  }

  /** A TCP connection from the server to `host:port` (the server as a jump host). */
  async forwardTcp(host: string, port: number): Promise<Duplex> {
    const client = await this.openClient();
    return new Promise((resolve, reject) =>
      client.forwardOut('127.0.0.1', 0, host, port, (error, channel) =>
        error ? reject(new ConnectionError(`${this.label}: cannot reach ${host}:${port} from there: ${error.message}`)) : resolve(channel),
      ),
    );
  }

  /** A connection to a Unix socket on the server (OpenSSH's stream-local forwarding). */
  async forwardUnixSocket(socketPath: string): Promise<Duplex> {
    const client = await this.openClient();
    return new Promise((resolve, reject) =>
      client.openssh_forwardOutStreamLocal(socketPath, (error, channel) =>
        error ? reject(new ConnectionError(`${this.label}: cannot open ${socketPath} there: ${error.message}`)) : resolve(channel),
      ),
    );
  }

  upload(tar: Readable, remoteDir: string): Promise<void> {
    return extractTarWithCommand(this, tar, remoteDir);
  }

  async download(remotePath: string): Promise<Readable> {
    const reader = await this.run(['cat', '--', remotePath]);
    const failure: Buffer[] = [];
    reader.stderr.on('data', (chunk: Buffer) => failure.push(chunk));
    void reader.exited.then((status) => {
      if (status.kind !== 'exited' || status.code !== 0) {
        const reason = Buffer.concat(failure).toString().trim() || describeExit(status);
        reader.stdout.destroy(new ConnectionError(`${this.label}: cannot download ${remotePath}: ${reason}`));
      }
    });
    return reader.stdout;
  }

  disconnect(): void {
    this.client?.destroy();
    this.client = undefined;
    this.connecting = undefined;
  }

  async close(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    if (!client) return;
    const closed = new Promise<void>((resolve) => client.once('close', () => resolve()));
    client.end();
    await closed;
  }
}
