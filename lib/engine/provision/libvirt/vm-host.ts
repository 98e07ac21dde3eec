import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Duplex } from 'node:stream';
import { SshConnection, type DestinationCheck, type HostKeyPolicy } from '../../connection/ssh';
import { describeVmHost, type VmHost } from './host-uri';
import { Virsh } from './virsh';
import { ignoreCleanupFailure } from '../../../shared/errors';

/** Where libvirt's system daemon listens on a VM host (libvirtd, or virtproxyd with the modular daemons). */
const remoteLibvirtSocket = '/run/libvirt/libvirt-sock';

export interface VmHostOptions {
  host: VmHost;
  /** For qemu+ssh: the key the VM host accepts. */
  privateKey?: string;
  hostKey?: HostKeyPolicy;
  /** Checks the VM host's address before connecting (the operator's outbound policy; see SshConnectionOptions). */
  destinations?: DestinationCheck;
}

/**
 * An open line to one VM host: `virsh` for its libvirt, and (over SSH) a
 * way through it to the guests' private network.
 *
 * Over SSH, one ssh2 session carries everything: virsh talks to a Unix socket
 * in a private folder here that is forwarded to libvirt's socket there
 * (OpenSSH stream-local forwarding), and guest logins are TCP forwards from
 * the VM host. The key stays in memory, the host key is checked like every
 * other SSH host's, and no ssh client or helper program runs on either side.
 */
export class VmHostConnection {
  readonly label: string;
  private opened: Promise<Virsh> | undefined;
  private ssh: SshConnection | undefined;
  private tunnel: { server: Server; dir: string; sockets: Set<Socket> } | undefined;

  constructor(private readonly options: VmHostOptions) {
    this.label = describeVmHost(options.host);
  }

  /** The virsh client, connecting first when needed. */
  virsh(): Promise<Virsh> {
    this.opened ??= this.open().catch((error: unknown) => {
      this.opened = undefined;
      throw error;
    });
    return this.opened;
  }

  /** How to reach a guest's SSH port: through the VM host over SSH, directly for the local host. */
  guestTransport(address: string, port = 22): (() => Promise<Duplex>) | undefined {
    const ssh = this.ssh;
    if (!ssh) return undefined;
    return () => ssh.forwardTcp(address, port);
  }

  /** The VM host's key fingerprint once connected over SSH. */
  get hostKeyFingerprint(): string | undefined {
    return this.ssh?.hostKeyFingerprint;
  }

  async close(): Promise<void> {
    const { tunnel, ssh } = this;
    this.tunnel = undefined;
    this.ssh = undefined;
    this.opened = undefined;
    if (tunnel) {
      for (const socket of tunnel.sockets) socket.destroy();
      await new Promise<void>((resolve) => tunnel.server.close(() => resolve()));
      await rm(tunnel.dir, { recursive: true, force: true });
    }
    await ssh?.close().catch(ignoreCleanupFailure);
  }

  private async open(): Promise<Virsh> {
    const { host } = this.options;
    if (host.kind === 'local') return new Virsh({ uri: 'qemu:///system' });
    if (!this.options.privateKey?.trim()) throw new Error(`${this.label}: an SSH private key (the platform's secret) is needed`);
    const ssh = new SshConnection({
      host: host.host,
      port: host.port,
      username: host.user,
      privateKey: this.options.privateKey,
      hostKey: this.options.hostKey ?? { kind: 'accept-new' },
      destinations: this.options.destinations,
    });
    await ssh.connect();
    // fail here, with a clear message, when the account cannot reach libvirt
    (await ssh.forwardUnixSocket(remoteLibvirtSocket)).destroy();
    this.ssh = ssh;
    const dir = await mkdtemp(path.join(tmpdir(), 'testyard-libvirt-'));
    const socketPath = path.join(dir, 'libvirt-sock');
    const sockets = new Set<Socket>();
    const server = createServer((local) => {
      sockets.add(local);
      local.once('close', () => sockets.delete(local));
      local.on('error', () => {});
      ssh.forwardUnixSocket(remoteLibvirtSocket).then(
        (remote) => {
          remote.on('error', () => local.destroy());
          local.pipe(remote).pipe(local);
          local.once('close', () => remote.destroy());
          remote.once('close', () => local.destroy());
        },
        () => local.destroy(),
      );
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(socketPath, () => resolve());
    });
    this.tunnel = { server, dir, sockets };
    return new Virsh({ uri: `qemu+unix:///system?socket=${encodeURIComponent(socketPath)}` });
  }
}
