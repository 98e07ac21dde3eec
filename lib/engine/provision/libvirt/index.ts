import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { SshConnection, type DestinationCheck, type HostKeyPolicy } from '../../connection/ssh';
import { backoffDelay, type BackoffPolicy } from '../shared/backoff';
import { BackgroundProvisioner } from '../shared/background-provisioner';
import { ManagedRemote } from '../shared/managed-remote';
import { RevocableConnection } from '../shared/revocable-connection';
import { ProvisionError } from '../types';
import { DomainPool } from './domain-pool';
import type { VmHost } from './host-uri';
import { globMatcher, libvirtName } from './names';
import { VmHostConnection } from './vm-host';
import { ignoreCleanupFailure, messageOf } from '../../../shared/errors';

export { parseVmHostUri, type VmHost } from './host-uri';
export { platformDomains, releaseDomainsOwnedBy, releaseLeftoverDomains } from './leftovers';

/** What a VM is doing on its way to being a remote (then the orchestrator reports on it); the run page shows it. */
export type VmState = 'cloning' | 'booting' | 'waiting-for-ssh' | 'failed' | 'releasing';

export interface LibvirtProvisionerOptions {
  host: VmHost;
  /** Glob over domain names, e.g. "testyard-*". */
  domains: string;
  pool: string;
  template: string;
  /** Logs in to the guests, and to the VM host over qemu+ssh. */
  privateKey: string;
  /** Guest login. Default root. */
  user?: string;
  /** The VM host's SSH host key; accepted on first sight when unset. */
  hostKeyFingerprint?: string;
  onNewHostKey?(host: string, port: number, fingerprint: string): void;
  /** Names the reservation's owner, e.g. the run-platform id: whoever resumes it finds the domains again. */
  owner: string;
  /** Reports each VM's progress under the id its remote will have. */
  onVmState?(remote: string, state: VmState): void;
  /** Checks the VM host's address before connecting (the operator's outbound policy). */
  destinations?: DestinationCheck;
  /** A reservation not renewed for this long is void (its worker died). Renewed every third of it. Default 5 minutes. */
  reservationTtlMs?: number;
  /** How often to look again while every domain is taken. Default 1 s growing to 10 s. */
  recheck?: BackoffPolicy;
  /** Give up on a guest that has no address, or takes no SSH login, for this long. Default 10 minutes each. */
  bootTimeoutMs?: number;
  sshTimeoutMs?: number;
  /** Address and login polling. Default 1 s growing to 5 s. */
  poll?: BackoffPolicy;
}

/**
 * VMs from a pool of pre-created, inactive libvirt domains: each remote
 * reserves one domain (see reservations.ts), gets a fresh clone of the
 * template as its disk, boots, and is logged in to over SSH (through the VM
 * host when it is remote). Releasing powers the domain off, drops the clone
 * and ends the reservation.
 */
export class LibvirtProvisioner extends BackgroundProvisioner<ManagedRemote> {
  readonly label: string;
  private readonly vmHost: VmHostConnection;
  private readonly matches: (name: string) => boolean;
  private readonly holderPrefix: string;
  private readonly ttlMs: number;
  private readonly recheck: BackoffPolicy;
  private readonly poll: BackoffPolicy;
  /** Domains this provisioner holds or is reserving: never tried twice at once. */
  private readonly held = new Set<string>();
  private pool: DomainPool | undefined;
  private serial = 0;

  constructor(private readonly options: LibvirtProvisionerOptions) {
    super();
    if (!options.privateKey.trim()) throw new Error('libvirt provisioner: privateKey (the platform secret) is empty');
    for (const [what, value] of [
      ['pool', options.pool],
      ['template', options.template],
    ] as const) {
      if (!libvirtName.test(value)) throw new Error(`libvirt provisioner: ${what} "${value}" is not a valid libvirt name`);
    }
    this.matches = globMatcher(options.domains);
    this.vmHost = new VmHostConnection({
      host: options.host,
      privateKey: options.privateKey,
      hostKey: this.hostKeyPolicy(),
      destinations: options.destinations,
    });
    this.label = `libvirt ${options.domains} on ${this.vmHost.label}`;
    // unique per instance: a resumed run platform never renews what its dead predecessor held
    this.holderPrefix = `${options.owner.replace(/[^A-Za-z0-9_.-]/g, '_').slice(0, 64)}.${randomUUID().slice(0, 8)}`;
    this.ttlMs = options.reservationTtlMs ?? 5 * 60_000;
    this.recheck = options.recheck ?? { initialMs: 1_000, maxMs: 10_000 };
    this.poll = options.poll ?? { initialMs: 1_000, maxMs: 5_000 };
  }

  /** Fails fast when the VM host, the pool or the template cannot be reached. */
  override async start(): Promise<void> {
    const virsh = await this.vmHost.virsh();
    await virsh.run(['vol-info', '--pool', this.options.pool, this.options.template]);
    this.pool = new DomainPool(virsh, { pool: this.options.pool, template: this.options.template, matches: this.matches });
    if ((await this.pool.candidates()).length === 0)
      throw new ProvisionError(`${this.label}: no persistent domain matches ${this.options.domains}`);
  }

  override async stop(): Promise<void> {
    await super.stop();
    await this.vmHost.close();
  }

  protected async bringUp(signal: AbortSignal): Promise<ManagedRemote> {
    const pool = this.pool;
    if (!pool) throw new Error('libvirt provisioner: start() was not called');
    const holder = `${this.holderPrefix}.${++this.serial}`;
    const domain = await this.reserve(pool, holder, signal);
    const reservation = this.keepRenewing(pool, domain, holder);
    const giveBack = async () => {
      reservation.stop();
      try {
        await pool.wipe(domain);
      } finally {
        await pool.reservations.clear(domain, holder).catch(ignoreCleanupFailure);
        this.held.delete(domain);
      }
    };
    const remoteId = `libvirt:${domain}`;
    const progress = (state: VmState) => this.options.onVmState?.(remoteId, state);
    let connection: RevocableConnection | undefined;
    try {
      progress('cloning');
      await pool.stop(domain, signal);
      await pool.cloneTemplate(domain, signal);
      progress('booting');
      await pool.start(domain, signal);
      const address = await this.waitForAddress(pool, domain, signal);
      progress('waiting-for-ssh');
      connection = new RevocableConnection(await this.logIn(domain, address, signal));
      reservation.onLost((reason) => connection?.revoke(reason));
    } catch (error) {
      progress('failed');
      await connection?.close().catch(ignoreCleanupFailure);
      await giveBack().catch(ignoreCleanupFailure);
      if (signal.aborted) throw error;
      throw new ProvisionError(`${this.label}: ${domain}: ${messageOf(error)}`, { cause: error });
    }
    const ready = connection;
    return new ManagedRemote(remoteId, ready, async () => {
      progress('releasing');
      await ready.close().catch(ignoreCleanupFailure);
      await giveBack();
    });
  }

  private async reserve(pool: DomainPool, holder: string, signal: AbortSignal): Promise<string> {
    for (let attempt = 0; ; attempt++) {
      for (const domain of await pool.candidates(signal)) {
        if (this.held.has(domain)) continue;
        this.held.add(domain);
        let reserved = false;
        try {
          reserved = await pool.reservations.tryReserve(domain, holder, this.options.owner, this.ttlMs, signal);
        } finally {
          if (!reserved) this.held.delete(domain);
        }
        if (reserved) return domain;
      }
      await sleep(backoffDelay(this.recheck, attempt), undefined, { signal });
    }
  }

  private keepRenewing(pool: DomainPool, domain: string, holder: string) {
    let lost: ((reason: string) => void) | undefined;
    let wasLost: string | undefined;
    const timer = setInterval(() => {
      pool.reservations.renew(domain, holder, this.options.owner, this.ttlMs).then(
        (held) => {
          if (held) return;
          clearInterval(timer);
          wasLost = `the reservation of domain ${domain} was lost (not renewed in time)`;
          lost?.(wasLost);
        },
        // a failed renewal (a VM host blip) is retried on the next tick, well before the reservation expires
        () => {},
      );
    }, this.ttlMs / 3);
    timer.unref();
    return {
      stop: () => clearInterval(timer),
      onLost: (listener: (reason: string) => void) => {
        lost = listener;
        if (wasLost) listener(wasLost);
      },
    };
  }

  private async waitForAddress(pool: DomainPool, domain: string, signal: AbortSignal): Promise<string> {
    const deadline = Date.now() + (this.options.bootTimeoutMs ?? 10 * 60_000);
    for (let attempt = 0; ; attempt++) {
      const found = await pool.address(domain, signal);
      if (found) return found.address;
      if (!(await pool.isRunning(domain, signal))) throw new Error('the domain stopped while booting');
      if (Date.now() >= deadline) throw new Error('the guest got no address (no DHCP lease from libvirt, no guest agent answer)');
      await sleep(backoffDelay(this.poll, attempt), undefined, { signal });
    }
  }

  /** sshd comes up a while after the guest has its address: retry until it answers. */
  private async logIn(domain: string, address: string, signal: AbortSignal): Promise<SshConnection> {
    const deadline = Date.now() + (this.options.sshTimeoutMs ?? 10 * 60_000);
    for (let attempt = 0; ; attempt++) {
      const connection = new SshConnection({
        host: address,
        port: 22,
        username: this.options.user ?? 'root',
        privateKey: this.options.privateKey,
        // every clone may get new host keys: there is nothing to pin across reservations
        hostKey: { kind: 'accept-new' },
        via: this.vmHost.guestTransport(address),
        connectTimeoutMs: 15_000,
      });
      try {
        await connection.connect();
        return connection;
      } catch (error) {
        connection.disconnect();
        if (signal.aborted) throw signal.reason as Error;
        if (Date.now() >= deadline) throw new Error(`cannot log in to ${address} (${domain}): ${messageOf(error)}`);
      }
      await sleep(backoffDelay(this.poll, attempt), undefined, { signal });
    }
  }

  private hostKeyPolicy(): HostKeyPolicy {
    const { host, hostKeyFingerprint, onNewHostKey } = this.options;
    if (hostKeyFingerprint) return { kind: 'pinned', fingerprint: hostKeyFingerprint };
    return {
      kind: 'accept-new',
      onNewHostKey: (fingerprint) => host.kind === 'ssh' && onNewHostKey?.(host.host, host.port, fingerprint),
    };
  }
}
