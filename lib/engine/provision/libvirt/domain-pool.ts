import { DomainReservations } from './reservations';
import type { DomainDescription } from './domain-xml';
import { VirshError, type Virsh } from './virsh';

export interface DomainPoolOptions {
  /** Storage pool holding the template and the domains' own volumes. */
  pool: string;
  /** The volume every domain's disk is cloned from. */
  template: string;
  /** Which domain names belong to the platform. */
  matches(name: string): boolean;
}

/** A domain's guest address as libvirt learns it. */
export type AddressSource = 'lease' | 'agent';

/**
 * The domains of one platform on one VM host, and what is done to them:
 * wiped (stopped, its cloned volume dropped), re-cloned from the template,
 * started, and asked for the guest's address.
 */
export class DomainPool {
  readonly reservations: DomainReservations;
  private reflink = true;

  constructor(
    private readonly virsh: Virsh,
    private readonly options: DomainPoolOptions,
  ) {
    this.reservations = new DomainReservations(virsh);
  }

  /** Persistent domains whose names match, in random order (so racing workers rarely pick the same one first). */
  async candidates(signal?: AbortSignal): Promise<string[]> {
    const names = (await this.virsh.run(['list', '--all', '--persistent', '--name'], signal)).split('\n').map((line) => line.trim());
    const matching = names.filter((name) => name && this.options.matches(name));
    for (let i = matching.length - 1; i > 0; i--) {
      const j = Math.floor(Math.random() * (i + 1));
      [matching[i], matching[j]] = [matching[j]!, matching[i]!];
    }
    return matching;
  }

  /** The volume of the domain's disk in our pool: what gets replaced by a clone of the template. */
  ownVolume(description: DomainDescription): string {
    const { pool, template } = this.options;
    const disk = description.volumes.find((candidate) => candidate.pool === pool);
    if (!disk)
      throw new Error(
        `domain ${description.name} has no disk that is a volume of pool ${pool} (<disk type='volume'><source pool='${pool}' volume='…'/>)`,
      );
    if (disk.volume === template)
      throw new Error(`domain ${description.name} boots from the template ${template} itself; give it a volume of its own`);
    return disk.volume;
  }

  /** Powers the domain off and drops its cloned volume; what is already gone is fine. */
  async wipe(domain: string, signal?: AbortSignal): Promise<void> {
    await this.stop(domain, signal);
    const volume = this.ownVolume(await this.reservations.describe(domain, signal));
    await this.deleteVolume(volume, signal);
  }

  async stop(domain: string, signal?: AbortSignal): Promise<void> {
    await this.virsh.run(['destroy', domain], signal).catch((error: unknown) => {
      if (!(error instanceof VirshError && /not running/i.test(error.message))) throw error;
    });
  }

  /** Replaces the domain's volume with a fresh clone of the template (a reflink copy where the pool's file system has them). */
  async cloneTemplate(domain: string, signal?: AbortSignal): Promise<void> {
    const volume = this.ownVolume(await this.reservations.describe(domain, signal));
    await this.deleteVolume(volume, signal);
    const clone = ['vol-clone', '--pool', this.options.pool, this.options.template, volume];
    if (this.reflink) {
      try {
        await this.virsh.run([...clone, '--reflink'], signal);
        return;
      } catch (error) {
        if (signal?.aborted) throw error;
        // qcow2 volumes and file systems without reflinks refuse the flag: copy instead from now on
        this.reflink = false;
        await this.deleteVolume(volume, signal);
      }
    }
    await this.virsh.run(clone, signal);
  }

  async start(domain: string, signal?: AbortSignal): Promise<void> {
    await this.virsh.run(['start', domain], signal);
  }

  async isRunning(domain: string, signal?: AbortSignal): Promise<boolean> {
    return (await this.virsh.run(['domstate', domain], signal)).trim() === 'running';
  }

  /** The guest's first IPv4 address from libvirt's DHCP leases or the guest agent, if it has one yet. */
  async address(domain: string, signal?: AbortSignal): Promise<{ address: string; source: AddressSource } | null> {
    for (const source of ['lease', 'agent'] as const) {
      const output = await this.virsh.run(['domifaddr', domain, '--source', source], signal).catch((error: unknown) => {
        if (signal?.aborted) throw error;
        // no lease yet, no agent in the image: not an error, just no answer from that source
        return '';
      });
      const address = firstIpv4(output);
      if (address) return { address, source };
    }
    return null;
  }

  private async deleteVolume(volume: string, signal?: AbortSignal): Promise<void> {
    await this.virsh.run(['vol-delete', '--pool', this.options.pool, volume], signal).catch((error: unknown) => {
      if (!(error instanceof VirshError && /not found|no storage vol/i.test(error.message))) throw error;
    });
  }
}

/** `virsh domifaddr` prints "vnet0  52:54:00:…  ipv4  192.168.122.5/24"; loopback lines (guest agent) are skipped. */
function firstIpv4(output: string): string | null {
  for (const line of output.split('\n')) {
    const match = /\bipv4\s+(\d{1,3}(?:\.\d{1,3}){3})\/\d+/.exec(line);
    if (match?.[1] && !match[1].startsWith('127.')) return match[1];
  }
  return null;
}
