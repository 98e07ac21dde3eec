import { parseDomainXml, reservationNamespace, type DomainDescription, type Reservation } from './domain-xml';
import { xmlEscape } from './names';
import type { Virsh } from './virsh';

/** The element's prefix in the domain XML (virsh needs one; the namespace is what identifies it). */
const metadataKey = 'testyard';

/**
 * A mutex over libvirt domains shared with every other worker and tool that
 * plays by the same rules (as atex's LibvirtCloningProvisioner does): write
 * our reservation into the domain's <metadata>, read the domain back, and
 * keep it only if no other live reservation is there; otherwise take ours
 * out again. Two holders racing can both give up, never both win, because
 * libvirt applies metadata changes to one domain one at a time.
 */
export class DomainReservations {
  constructor(private readonly virsh: Virsh) {}

  async describe(domain: string, signal?: AbortSignal): Promise<DomainDescription> {
    return parseDomainXml(await this.virsh.run(['dumpxml', '--inactive', domain], signal));
  }

  /** Reservations that count now: not expired. */
  static live(reservations: readonly Reservation[], now = Date.now()): Reservation[] {
    return reservations.filter((reservation) => reservation.expiresAt > now);
  }

  /** Takes the domain for `holder` unless someone else holds it; expired reservations of others are cleared first. */
  async tryReserve(domain: string, holder: string, owner: string, ttlMs: number, signal?: AbortSignal): Promise<boolean> {
    const before = await this.describe(domain, signal);
    const now = Date.now();
    if (DomainReservations.live(before.reservations, now).some((reservation) => reservation.holder !== holder)) return false;
    for (const stale of before.reservations) if (stale.holder !== holder) await this.clear(domain, stale.holder, signal);
    await this.write(domain, holder, owner, now + ttlMs, signal);
    const after = await this.describe(domain, signal);
    const rivals = DomainReservations.live(after.reservations).filter((reservation) => reservation.holder !== holder);
    const ours = after.reservations.some((reservation) => reservation.holder === holder);
    if (ours && rivals.length === 0) return true;
    await this.clear(domain, holder);
    return false;
  }

  /** Pushes the expiry on; false when our reservation is gone (cleared by someone who found it expired). */
  async renew(domain: string, holder: string, owner: string, ttlMs: number): Promise<boolean> {
    const current = await this.describe(domain);
    if (!current.reservations.some((reservation) => reservation.holder === holder)) return false;
    await this.write(domain, holder, owner, Date.now() + ttlMs);
    return true;
  }

  async clear(domain: string, holder: string, signal?: AbortSignal): Promise<void> {
    await this.virsh.run(['metadata', domain, `${reservationNamespace}${holder}`, '--remove', '--config'], signal);
  }

  private async write(domain: string, holder: string, owner: string, expiresAt: number, signal?: AbortSignal): Promise<void> {
    const element = `<reservation owner="${xmlEscape(owner)}" expires="${Math.floor(expiresAt)}"/>`;
    await this.virsh.run(
      ['metadata', domain, `${reservationNamespace}${holder}`, '--key', metadataKey, '--set', element, '--config'],
      signal,
    );
  }
}
