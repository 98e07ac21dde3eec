import { randomUUID } from 'node:crypto';
import { DomainPool } from './domain-pool';
import { DomainReservations } from './reservations';
import { parseVmHostUri } from './host-uri';
import { globMatcher } from './names';
import { VmHostConnection } from './vm-host';

export interface PlatformDomains {
  vmHost: VmHostConnection;
  domains: string;
  pool: string;
  template: string;
}

/** A libvirt platform's domains, from its stored config and secret; close `vmHost` when done. */
export function platformDomains(
  config: { uri: string; domains: string; pool: string; template: string; hostKeyFingerprint?: string },
  privateKey: string | undefined,
): PlatformDomains {
  const vmHost = new VmHostConnection({
    host: parseVmHostUri(config.uri),
    privateKey,
    hostKey: config.hostKeyFingerprint ? { kind: 'pinned', fingerprint: config.hostKeyFingerprint } : { kind: 'accept-new' },
  });
  return { vmHost, domains: config.domains, pool: config.pool, template: config.template };
}

/**
 * Gives back every domain whose reservation `isAbandoned` says nobody will
 * release: powered off, its clone dropped, the reservation cleared. Each
 * domain is first reserved by the sweep itself, so a domain someone else has
 * just taken is never touched. Returns the domains released.
 */
async function releaseDomains(platform: PlatformDomains, isAbandoned: (owner: string) => Promise<boolean>): Promise<string[]> {
  const virsh = await platform.vmHost.virsh();
  const pool = new DomainPool(virsh, { pool: platform.pool, template: platform.template, matches: globMatcher(platform.domains) });
  const sweeper = `sweep.${randomUUID().slice(0, 8)}`;
  const released: string[] = [];
  for (const domain of await pool.candidates()) {
    const { reservations } = await pool.reservations.describe(domain);
    const live = DomainReservations.live(reservations);
    const abandoned: string[] = [];
    for (const reservation of reservations) {
      if (!live.includes(reservation) || (await isAbandoned(reservation.owner))) abandoned.push(reservation.holder);
    }
    if (abandoned.length === 0) continue;
    for (const holder of abandoned) await pool.reservations.clear(domain, holder);
    if (!(await pool.reservations.tryReserve(domain, sweeper, sweeper, 60_000))) continue;
    try {
      await pool.wipe(domain);
      released.push(domain);
    } finally {
      await pool.reservations.clear(domain, sweeper);
    }
  }
  return released;
}

/** After a worker died: the domains it held for `owner` (a run platform being resumed). */
export function releaseDomainsOwnedBy(platform: PlatformDomains, owner: string): Promise<string[]> {
  return releaseDomains(platform, async (candidate) => candidate === owner);
}

/** At worker start: domains reserved for owners that are no longer running, and expired reservations. */
export function releaseLeftoverDomains(platform: PlatformDomains, isStillRunning: (owner: string) => Promise<boolean>): Promise<string[]> {
  return releaseDomains(platform, async (owner) => !(await isStillRunning(owner)));
}
