import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  hostKey,
  MemoryHostLeases,
  SshPoolProvisioner,
  type HostLeases,
  type SshPoolProvisionerOptions,
} from '../../lib/engine/provision/ssh-pool';
import { ProvisionError } from '../../lib/engine/provision/types';
import { startSshdPool, type SshdPool } from '../support/sshd-pool';
import { settledWithin, shell } from './support';

let pool: SshdPool;
let scratch: string;

beforeAll(async () => {
  pool = await startSshdPool(2);
  scratch = await mkdtemp(path.join(tmpdir(), 'testyard-ssh-pool-'));
});

afterAll(async () => {
  await pool?.stop();
  await rm(scratch, { recursive: true, force: true });
});

function hostsOf(count: number) {
  return pool.servers.slice(0, count).map((server) => ({ host: server.host, port: server.port, user: server.username }));
}

function poolProvisioner(leases: HostLeases, extra: Partial<SshPoolProvisionerOptions> = {}) {
  return new SshPoolProvisioner({
    platformId: 'lab',
    hosts: hostsOf(1),
    privateKey: pool.privateKey,
    leases,
    recheck: { initialMs: 20, maxMs: 100 },
    ...extra,
  });
}

describe('ssh pool provisioner', () => {
  it('leases a host to one remote at a time across provisioners; a release wakes the waiter and runs the reset first', async () => {
    const leases = new MemoryHostLeases();
    const resetLog = path.join(scratch, 'reset.log');
    const reset = { resetCommand: `echo reset >> ${resetLog}`, recheck: { initialMs: 60_000, maxMs: 60_000 } };
    const workerA = poolProvisioner(leases, reset);
    const workerB = poolProvisioner(leases, reset);
    workerA.provision(1);
    workerB.provision(1);
    const remoteA = await workerA.getRemote();
    expect(await shell(remoteA, 'echo $((6 * 7))')).toBe('42');

    const waitingB = workerB.getRemote();
    expect(await settledWithin(waitingB, 300)).toBe('pending');
    const releasedAt = Date.now();
    await remoteA.release();
    const remoteB = await waitingB;
    // woken by the release itself: the re-check timer is a minute away
    expect(Date.now() - releasedAt).toBeLessThan(5_000);
    expect(remoteB.id).toBe(remoteA.id);
    expect(await readFile(resetLog, 'utf8')).toBe('reset\n');
    expect(await shell(remoteB, 'echo ok')).toBe('ok');

    await Promise.all([workerA.stop(), workerB.stop()]);
    expect(await readFile(resetLog, 'utf8')).toBe('reset\nreset\n');
    // every lease ended
    expect(await leases.acquire('lab', [hostKey(hostsOf(1)[0]!)], 'probe', 1_000)).not.toBeNull();
  });

  it('spreads remotes over free hosts', async () => {
    const provisioner = poolProvisioner(new MemoryHostLeases(), { hosts: hostsOf(2) });
    provisioner.provision(2);
    const remotes = await Promise.all([provisioner.getRemote(), provisioner.getRemote()]);
    expect(new Set(remotes.map((remote) => remote.id)).size).toBe(2);
    await provisioner.stop();
  });

  it('takes over a host whose holder died once its lease expires', async () => {
    const leases = new MemoryHostLeases();
    const [host] = hostsOf(1);
    expect(await leases.acquire('lab', [hostKey(host!)], 'a-worker-that-dies', 400)).toBe(hostKey(host!));
    const provisioner = poolProvisioner(leases);
    provisioner.provision(1);
    const start = Date.now();
    const remote = await provisioner.getRemote();
    expect(Date.now() - start).toBeGreaterThanOrEqual(300);
    expect(await leases.renew('lab', hostKey(host!), 'a-worker-that-dies', 1_000)).toBe(false);
    await provisioner.stop();
    expect(remote.id).toBe(`ssh:${hostKey(host!)}`);
  });

  it('keeps renewing a lease held longer than its ttl', async () => {
    const leases = new MemoryHostLeases();
    const provisioner = poolProvisioner(leases, { leaseTtlMs: 300 });
    provisioner.provision(1);
    await provisioner.getRemote();
    await new Promise((resolve) => setTimeout(resolve, 800));
    expect(await leases.acquire('lab', [hostKey(hostsOf(1)[0]!)], 'intruder', 1_000)).toBeNull();
    await provisioner.stop();
  });

  it('cuts the connection and reports it when a lease is lost', async () => {
    const leases = new MemoryHostLeases();
    const losing: HostLeases = {
      acquire: (...args) => leases.acquire(...args),
      renew: async () => false,
      release: (...args) => leases.release(...args),
      onRelease: (...args) => leases.onRelease(...args),
    };
    const lost: string[] = [];
    const provisioner = poolProvisioner(losing, { leaseTtlMs: 1_500, onLeaseLost: (host) => lost.push(hostKey(host)) });
    provisioner.provision(1);
    const remote = await provisioner.getRemote();
    const running = await remote.connection.run(['sleep', '30']);
    expect((await running.exited).kind).toBe('lost');
    expect(lost).toEqual([hostKey(hostsOf(1)[0]!)]);
    await expect(remote.connection.run(['true'])).rejects.toThrow(/lease on this host was lost/);
    await provisioner.stop();
  });

  it('checks pinned host keys and reports new ones', async () => {
    const [server] = pool.servers;
    const [host] = hostsOf(1);
    const seen: string[] = [];
    const accepting = poolProvisioner(new MemoryHostLeases(), { onNewHostKey: (_host, fingerprint) => seen.push(fingerprint) });
    accepting.provision(1);
    await accepting.getRemote();
    await accepting.stop();
    expect(seen).toEqual([server!.hostKeyFingerprint]);

    const leases = new MemoryHostLeases();
    const pinnedWrong = poolProvisioner(leases, {
      hostKeyFingerprints: { [hostKey(host!)]: 'SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' },
    });
    pinnedWrong.provision(1);
    const failure = await pinnedWrong.getRemote().catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(ProvisionError);
    expect(String(failure)).toMatch(/host key mismatch/);
    // the failed attempt gave its lease back
    expect(await leases.acquire('lab', [hostKey(host!)], 'probe', 1_000)).not.toBeNull();
    await pinnedWrong.stop();
  });

  it('rejects a config without hosts or key, naming the field', () => {
    const leases = new MemoryHostLeases();
    expect(() => poolProvisioner(leases, { hosts: [] })).toThrow(/hosts/);
    expect(() => poolProvisioner(leases, { privateKey: ' ' })).toThrow(/privateKey/);
  });
});
