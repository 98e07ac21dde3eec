// The libvirt provisioner's parts that need no booted guest: what a platform
// may configure (hostile input), and the reservation mutex on real domains of
// the test VM host, raced by many holders over virsh.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { provisionerConfig } from '../../lib/server/platforms/spec';
import { DomainPool } from '../../lib/engine/provision/libvirt/domain-pool';
import { parseDomainXml } from '../../lib/engine/provision/libvirt/domain-xml';
import { parseVmHostUri } from '../../lib/engine/provision/libvirt/host-uri';
import { globMatcher } from '../../lib/engine/provision/libvirt/names';
import { DomainReservations } from '../../lib/engine/provision/libvirt/reservations';
import { Virsh } from '../../lib/engine/provision/libvirt/virsh';
import { VmHostConnection } from '../../lib/engine/provision/libvirt/vm-host';
import { defineTestDomains, startLibvirtTestBed, templateVolume, testPool, virsh, type LibvirtTestBed } from '../support/libvirt';

describe('libvirt platform config', () => {
  it('accepts qemu:///system and qemu+ssh://user@host[:port]/system only', () => {
    expect(parseVmHostUri('qemu:///system')).toEqual({ kind: 'local' });
    expect(parseVmHostUri('qemu+ssh://virt@vm1.example.com/system')).toEqual({
      kind: 'ssh',
      user: 'virt',
      host: 'vm1.example.com',
      port: 22,
    });
    expect(parseVmHostUri('qemu+ssh://root@[2001:db8::1]:2222/system')).toEqual({
      kind: 'ssh',
      user: 'root',
      host: '2001:db8::1',
      port: 2222,
    });
    for (const hostile of [
      'qemu:///session',
      'qemu+ssh://root@host/system?keyfile=/etc/shadow',
      'qemu+ssh://root@host/system?command=/bin/sh',
      'qemu+ext:///system?command=/bin/sh',
      'qemu+unix:///system?socket=/tmp/x',
      'qemu+ssh://host/system',
      'qemu+ssh://-oProxyCommand=x@host/system',
      'qemu+ssh://root@-oProxyCommand=x/system',
      'qemu+ssh://root@host:99999/system',
      'qemu+ssh://root@host/system#x',
      'qemu+ssh://ro ot@host/system',
      'qemu+tcp://host/system',
    ]) {
      expect(() => parseVmHostUri(hostile), hostile).toThrow();
    }
  });

  it('names the bad field of a hostile platform', () => {
    const result = provisionerConfig.safeParse({
      kind: 'libvirt',
      uri: 'qemu+ssh://root@host/system?keyfile=/root/.ssh/id_rsa',
      domains: '../../etc/*',
      pool: 'default"/><x',
      template: '--reflink',
      user: 'root;reboot',
    });
    expect(result.success).toBe(false);
    const paths = result.error?.issues.map((issue) => issue.path.join('.')).sort();
    expect(paths).toEqual(['domains', 'pool', 'template', 'uri', 'user']);
  });

  it('matches domain globs with * and ? only, anchored', () => {
    const matches = globMatcher('ty-vm-?');
    expect(['ty-vm-1', 'ty-vm-a'].every(matches)).toBe(true);
    expect(['ty-vm-10', 'xty-vm-1', 'ty-vm-'].some(matches)).toBe(false);
    expect(globMatcher('lab.*')('lab.x86')).toBe(true);
    expect(globMatcher('lab.*')('labx86')).toBe(false);
    expect(() => globMatcher('(a+)+$')).toThrow(/may hold only/);
    expect(() => globMatcher('-c')).toThrow();
  });

  it('reads reservations in document order and volume disks from domain XML', () => {
    const xml = `<domain type='kvm'><name>vm1</name>
      <metadata>
        <other:thing xmlns:other="urn:example"/>
        <testyard:reservation xmlns:testyard="urn:testyard:reservation:b.2" owner="rp-b" expires="2000"/>
        <testyard:reservation xmlns:testyard="urn:testyard:reservation:a.1" owner="rp-a" expires="1000"/>
      </metadata>
      <devices>
        <disk type='file' device='cdrom'><source file='/iso'/></disk>
        <disk type='volume' device='disk'><source pool='vms' volume='vm1.qcow2'/></disk>
      </devices></domain>`;
    expect(parseDomainXml(xml)).toEqual({
      name: 'vm1',
      reservations: [
        { holder: 'b.2', owner: 'rp-b', expiresAt: 2000 },
        { holder: 'a.1', owner: 'rp-a', expiresAt: 1000 },
      ],
      volumes: [{ pool: 'vms', volume: 'vm1.qcow2' }],
    });
  });
});

describe('domain reservations on a real VM host', () => {
  let bed: LibvirtTestBed;
  let domains: string[];
  const local = new Virsh({ uri: 'qemu:///system' });

  beforeAll(async () => {
    bed = await startLibvirtTestBed();
    domains = await defineTestDomains('ty-lock', 2, bed.accelerator);
  }, 900_000);

  afterAll(async () => {
    await bed?.stop();
  });

  it('of many holders racing for two domains, at most one holds each, and a release lets the next in', async () => {
    const reservations = Array.from({ length: 8 }, () => new DomainReservations(local));
    const attempts = reservations.flatMap((reservation, index) =>
      domains.map(async (domain) => ({
        domain,
        holder: `racer.${index}`,
        won: await reservation.tryReserve(domain, `racer.${index}`, `owner-${index}`, 60_000),
      })),
    );
    const results = await Promise.all(attempts);
    for (const domain of domains) {
      const winners = results.filter((result) => result.domain === domain && result.won);
      expect(winners.length, domain).toBeLessThanOrEqual(1);
      const { reservations: stored } = await new DomainReservations(local).describe(domain);
      expect(stored.map((reservation) => reservation.holder)).toEqual(winners.map((winner) => winner.holder));
      for (const winner of winners) await new DomainReservations(local).clear(domain, winner.holder);
    }
    // with nobody else trying, a holder always gets a free domain
    const alone = new DomainReservations(local);
    expect(await alone.tryReserve(domains[0]!, 'alone.1', 'owner-alone', 60_000)).toBe(true);
    expect(await new DomainReservations(local).tryReserve(domains[0]!, 'late.1', 'owner-late', 60_000)).toBe(false);
    await alone.clear(domains[0]!, 'alone.1');
    expect(await new DomainReservations(local).tryReserve(domains[0]!, 'late.1', 'owner-late', 60_000)).toBe(true);
    await alone.clear(domains[0]!, 'late.1');
  });

  it('treats an expired reservation (its worker died) as free, and a renewal of a lost one fails', async () => {
    const dead = new DomainReservations(local);
    expect(await dead.tryReserve(domains[1]!, 'dead.1', 'owner-dead', 1)).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 20));
    const next = new DomainReservations(local);
    expect(await next.tryReserve(domains[1]!, 'next.1', 'owner-next', 60_000)).toBe(true);
    expect((await next.describe(domains[1]!)).reservations.map((reservation) => reservation.holder)).toEqual(['next.1']);
    expect(await dead.renew(domains[1]!, 'dead.1', 'owner-dead', 60_000)).toBe(false);
    expect(await next.renew(domains[1]!, 'next.1', 'owner-next', 60_000)).toBe(true);
    await next.clear(domains[1]!, 'next.1');
  });

  it('reaches the VM host over qemu+ssh through one SSH session, and wipes a clone', async () => {
    const vmHost = new VmHostConnection({
      host: parseVmHostUri(bed.uri),
      privateKey: bed.privateKey,
      hostKey: { kind: 'pinned', fingerprint: bed.vmHost.hostKeyFingerprint },
    });
    try {
      const pool = new DomainPool(await vmHost.virsh(), { pool: testPool, template: templateVolume, matches: globMatcher('ty-lock-*') });
      expect((await pool.candidates()).sort()).toEqual(domains);
      await pool.cloneTemplate(domains[0]!);
      expect(await virsh('vol-list', testPool)).toContain(`${domains[0]}.qcow2`);
      await pool.wipe(domains[0]!);
      expect(await virsh('vol-list', testPool)).not.toContain(`${domains[0]}.qcow2`);
    } finally {
      await vmHost.close();
    }
    const wrongKey = new VmHostConnection({
      host: parseVmHostUri(bed.uri),
      privateKey: bed.privateKey,
      hostKey: { kind: 'pinned', fingerprint: 'SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' },
    });
    await expect(wrongKey.virsh()).rejects.toThrow(/host key mismatch/);
    await wrongKey.close();
  });
});
