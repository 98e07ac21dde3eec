import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { describeExit, runCommand } from '../../connection/run';
import type { Connection } from '../../connection/types';
import { SshConnection, type DestinationCheck, type HostKeyPolicy } from '../../connection/ssh';
import { backoffDelay, type BackoffPolicy } from '../shared/backoff';
import { BackgroundProvisioner } from '../shared/background-provisioner';
import { ManagedRemote } from '../shared/managed-remote';
import { ProvisionError } from '../types';
import { hostKey, type HostLeases } from './host-leases';
import { wakeOnReleaseOrTimeout } from './release-or-timeout';
import { RevocableConnection } from '../shared/revocable-connection';
import { ignoreCleanupFailure, messageOf } from '../../../shared/errors';

export { hostKey, type HostLeases } from './host-leases';
export { MemoryHostLeases } from './memory-host-leases';

export interface PoolHost {
  host: string;
  port: number;
  user: string;
}

export interface SshPoolProvisionerOptions {
  /** Leases are per platform: the same host in two platforms is two pools. */
  platformId: string;
  hosts: readonly PoolHost[];
  /** OpenSSH or PEM private key text (the platform's secret). */
  privateKey: string;
  passphrase?: string;
  /** Run through `sh -c` on a host when its remote is released, before the lease ends. */
  resetCommand?: string;
  /** Known host keys, `SHA256:...`, by "host:port" or by "host"; hosts without one are accepted on first sight. */
  hostKeyFingerprints?: Readonly<Record<string, string>>;
  /** Reports the key of a host seen without a pinned fingerprint, e.g. to offer pinning it. */
  onNewHostKey?(host: PoolHost, fingerprint: string): void;
  /** Reports that a remote's lease was lost (not renewed in time): its connection is cut and refuses further use. */
  onLeaseLost?(host: PoolHost): void;
  leases: HostLeases;
  /** Names the holder in leases, e.g. the run-platform id; a random tag and a serial number per remote are added. */
  holderPrefix?: string;
  /** How long a lease lasts without renewal (the holder died); renewed every third of it. Default 60 s. */
  leaseTtlMs?: number;
  /**
   * How often a waiter re-checks when every host is held. Releases in this
   * process wake waiters at once; this bounds the wait for releases by other
   * workers and for expired leases. Default 0.5 s growing to 5 s.
   */
  recheck?: BackoffPolicy;
  /** Checks each host's address before connecting (the operator's outbound policy on workers). */
  destinations?: DestinationCheck;
}

/**
 * A static list of SSH hosts, each leased to one remote at a time across every
 * process sharing `leases`. getRemote() waits while every host is in use.
 */
export class SshPoolProvisioner extends BackgroundProvisioner<ManagedRemote> {
  readonly label: string;
  readonly capacity: number;
  private readonly hostsByKey: ReadonlyMap<string, PoolHost>;
  private readonly holderPrefix: string;
  private readonly leaseTtlMs: number;
  private readonly recheck: BackoffPolicy;
  private serial = 0;

  constructor(private readonly options: SshPoolProvisionerOptions) {
    super();
    if (options.hosts.length === 0) throw new Error('ssh pool provisioner: hosts must list at least one host');
    if (!options.privateKey.trim()) throw new Error('ssh pool provisioner: privateKey (the platform secret) is empty');
    this.hostsByKey = new Map(options.hosts.map((host) => [hostKey(host), host]));
    this.label = `ssh pool ${[...this.hostsByKey.keys()].join(',')}`;
    this.capacity = this.hostsByKey.size;
    // unique per instance, so a resumed run-platform never renews what its dead predecessor held
    this.holderPrefix = `${options.holderPrefix ?? `${hostname()}:${process.pid}`}:${randomUUID().slice(0, 8)}`;
    this.leaseTtlMs = options.leaseTtlMs ?? 60_000;
    this.recheck = options.recheck ?? { initialMs: 500, maxMs: 5_000 };
  }

  protected async bringUp(signal: AbortSignal): Promise<ManagedRemote> {
    const holder = `${this.holderPrefix}#${++this.serial}`;
    const key = await this.leaseHost(holder, signal);
    const host = this.hostsByKey.get(key);
    if (!host) throw new Error(`lease store returned unknown host ${key}`);
    const ssh = new SshConnection({
      host: host.host,
      port: host.port,
      username: host.user,
      privateKey: this.options.privateKey,
      passphrase: this.options.passphrase,
      hostKey: this.hostKeyPolicy(host),
      destinations: this.options.destinations,
    });
    const connection = new RevocableConnection(ssh);
    const renewal = this.keepRenewing(key, holder, () => {
      connection.revoke('the lease on this host was lost (not renewed in time)');
      this.options.onLeaseLost?.(host);
    });
    const endLease = async () => {
      clearInterval(renewal);
      await this.options.leases.release(this.options.platformId, key, holder);
    };
    try {
      await connection.connect();
      signal.throwIfAborted();
    } catch (error) {
      connection.disconnect();
      await endLease();
      if (signal.aborted) throw error;
      throw new ProvisionError(`${this.label}: ${messageOf(error)}`, { cause: error, system: `ssh:${key}` });
    }
    return new ManagedRemote(`ssh:${key}`, connection, async () => {
      try {
        await this.reset(connection);
      } finally {
        await connection.close().catch(ignoreCleanupFailure);
        await endLease();
      }
    });
  }

  private async leaseHost(holder: string, signal: AbortSignal): Promise<string> {
    const keys = [...this.hostsByKey.keys()];
    for (let attempt = 0; ; attempt++) {
      signal.throwIfAborted();
      const wake = wakeOnReleaseOrTimeout(this.options.leases, this.options.platformId, backoffDelay(this.recheck, attempt), signal);
      const key = await this.options.leases.acquire(this.options.platformId, keys, holder, this.leaseTtlMs).catch((error: unknown) => {
        wake.cancel();
        throw error;
      });
      if (key !== null) {
        wake.cancel();
        return key;
      }
      await wake.woken;
    }
  }

  private keepRenewing(key: string, holder: string, onLost: () => void): NodeJS.Timeout {
    const timer = setInterval(() => {
      this.options.leases.renew(this.options.platformId, key, holder, this.leaseTtlMs).then(
        (held) => {
          if (held) return;
          clearInterval(timer);
          onLost();
        },
        // a failed renewal (database blip) is retried on the next tick, well before the lease expires
        () => {},
      );
    }, this.leaseTtlMs / 3);
    timer.unref();
    return timer;
  }

  private hostKeyPolicy(host: PoolHost): HostKeyPolicy {
    const pinned = this.options.hostKeyFingerprints?.[hostKey(host)] ?? this.options.hostKeyFingerprints?.[host.host];
    if (pinned) return { kind: 'pinned', fingerprint: pinned };
    return { kind: 'accept-new', onNewHostKey: (fingerprint) => this.options.onNewHostKey?.(host, fingerprint) };
  }

  private async reset(connection: Connection): Promise<void> {
    const { resetCommand } = this.options;
    if (!resetCommand) return;
    const result = await runCommand(connection, ['sh', '-c', resetCommand]);
    // a reset that reboots or reimages the host drops the connection: that is a normal end
    if (result.status.kind === 'lost' || (result.status.kind === 'exited' && result.status.code === 0)) return;
    throw new ProvisionError(
      `${connection.label}: reset command failed (${describeExit(result.status)}): ${result.stderr.trim().slice(-500)}`,
    );
  }
}
