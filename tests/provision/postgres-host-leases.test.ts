import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDb, type Db } from '../../lib/server/db/client';
import { hostKey, SshPoolProvisioner } from '../../lib/engine/provision/ssh-pool';
import { PostgresHostLeases } from '../../lib/server/platforms/postgres-host-leases';
import { startSshdPool, type SshdPool } from '../support/sshd-pool';
import { createTestDatabase } from '../support/test-database';
import { settledWithin, shell } from './support';

let database: Awaited<ReturnType<typeof createTestDatabase>>;
// two clients: two workers that share nothing but the database
let workerDbA: Db;
let workerDbB: Db;
let platformId: string;
let pool: SshdPool;

beforeAll(async () => {
  [database, pool] = await Promise.all([createTestDatabase(), startSshdPool(1)]);
  workerDbA = createDb(database.url);
  workerDbB = createDb(database.url);
  const team = await workerDbA.team.create({ data: { slug: 'lab-team', name: 'Lab team' } });
  const platform = await workerDbA.platform.create({ data: { teamId: team.id, name: 'lab', kind: 'ssh', config: {} } });
  platformId = platform.id;
});

afterAll(async () => {
  await Promise.all([workerDbA?.$disconnect(), workerDbB?.$disconnect()]);
  await Promise.all([database?.drop(), pool?.stop()]);
});

describe('PostgreSQL host leases', () => {
  it('lets exactly one of many concurrent acquirers win each host', async () => {
    const leasesA = new PostgresHostLeases(workerDbA);
    const leasesB = new PostgresHostLeases(workerDbB);
    const hosts = ['h1:22', 'h2:22', 'h3:22'];
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) => (i % 2 ? leasesA : leasesB).acquire(platformId, hosts, `holder-${i}`, 10_000)),
    );
    const winners = results.filter((host) => host !== null);
    expect(winners.sort()).toEqual(hosts);
    const rows = await workerDbA.hostLease.findMany({ where: { platformId } });
    expect(rows).toHaveLength(3);
    await workerDbA.hostLease.deleteMany({ where: { platformId } });
  });

  it('renews only the holder, releases only the holder, and hands out an expired lease', async () => {
    const leases = new PostgresHostLeases(workerDbA);
    expect(await leases.acquire(platformId, ['h1:22'], 'first', 300)).toBe('h1:22');
    expect(await leases.acquire(platformId, ['h1:22'], 'second', 10_000)).toBeNull();
    expect(await leases.renew(platformId, 'h1:22', 'second', 10_000)).toBe(false);
    expect(await leases.renew(platformId, 'h1:22', 'first', 300)).toBe(true);
    await leases.release(platformId, 'h1:22', 'second');
    expect(await leases.acquire(platformId, ['h1:22'], 'second', 10_000)).toBeNull();
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(await leases.acquire(platformId, ['h1:22'], 'second', 10_000)).toBe('h1:22');
    expect(await leases.renew(platformId, 'h1:22', 'first', 10_000)).toBe(false);
    await leases.release(platformId, 'h1:22', 'second');
    expect(await workerDbA.hostLease.count({ where: { platformId } })).toBe(0);
  });

  it('keeps one real host exclusive between two workers and passes it on after a release', async () => {
    const [server] = pool.servers;
    const host = { host: server!.host, port: server!.port, user: server!.username };
    const workers = [workerDbA, workerDbB].map(
      (db) =>
        new SshPoolProvisioner({
          platformId,
          hosts: [host],
          privateKey: pool.privateKey,
          leases: new PostgresHostLeases(db),
          recheck: { initialMs: 50, maxMs: 200 },
        }),
    );
    const [first, second] = workers;
    first!.provision(1);
    const remote = await first!.getRemote();
    second!.provision(1);
    const waiting = second!.getRemote();
    expect(await settledWithin(waiting, 500)).toBe('pending');
    const lease = await workerDbA.hostLease.findUniqueOrThrow({ where: { platformId_host: { platformId, host: hostKey(host) } } });
    expect(lease.expiresAt.getTime()).toBeGreaterThan(Date.now());
    await remote.release();
    // another process's release is seen by the bounded re-check
    const passedOn = await waiting;
    expect(await shell(passedOn, 'echo ok')).toBe('ok');
    await Promise.all(workers.map((worker) => worker.stop()));
    expect(await workerDbA.hostLease.count({ where: { platformId } })).toBe(0);
  });
});
