import type { Db } from '../db/client';
import type { HostLeases } from '../../engine/provision/ssh-pool/host-leases';
import { ReleaseListeners } from '../../engine/provision/ssh-pool/release-listeners';
import { sshSystemPrefix } from '../history/systems';

// "expiresAt" is a timestamp without time zone holding UTC (Prisma's convention),
// so every comparison and write uses the database clock in UTC: one clock for all workers.
const utcNow = "now() AT TIME ZONE 'UTC'";

/**
 * Leases in the HostLease table, so one host is held by one test system
 * across all workers. Each host is taken with one atomic upsert that only
 * overwrites an expired lease, so two workers can never both win it.
 */
export class PostgresHostLeases implements HostLeases {
  private readonly listeners = new ReleaseListeners();

  constructor(private readonly db: Db) {}

  async acquire(platformId: string, hosts: readonly string[], holder: string, ttlMs: number): Promise<string | null> {
    // Quarantined hosts (worker/system-health.ts) are never handed out; a pool of only those fails instead of waiting for ever.
    const held = await this.db.$queryRawUnsafe<Array<{ host: string; quarantined: boolean }>>(
      `SELECT "host", false AS "quarantined" FROM "HostLease" WHERE "platformId" = $1 AND "expiresAt" >= ${utcNow}
       UNION ALL
       SELECT substr("system", ${sshSystemPrefix.length + 1}), true FROM "SystemHealth"
       WHERE "platformId" = $1 AND "quarantinedAt" IS NOT NULL AND starts_with("system", '${sshSystemPrefix}')`,
      platformId,
    );
    const taken = new Set(held.map((row) => row.host));
    const quarantined = new Set(held.filter((row) => row.quarantined).map((row) => row.host));
    if (hosts.every((host) => quarantined.has(host))) {
      throw new Error(
        'every host of this pool is quarantined after repeated infrastructure failures; an admin can put them back on the Systems page',
      );
    }
    for (const host of hosts) {
      if (taken.has(host)) continue;
      // another worker may take the same host between the SELECT above and here: the WHERE settles it
      const won = await this.db.$queryRawUnsafe<Array<{ host: string }>>(
        `INSERT INTO "HostLease" ("platformId", "host", "holder", "expiresAt")
         VALUES ($1, $2, $3, ${utcNow} + $4::double precision * interval '1 millisecond')
         ON CONFLICT ("platformId", "host") DO UPDATE
           SET "holder" = EXCLUDED."holder", "expiresAt" = EXCLUDED."expiresAt"
           WHERE "HostLease"."expiresAt" < ${utcNow}
         RETURNING "host"`,
        platformId,
        host,
        holder,
        ttlMs,
      );
      if (won.length > 0) return host;
    }
    return null;
  }

  async renew(platformId: string, host: string, holder: string, ttlMs: number): Promise<boolean> {
    const updated = await this.db.$executeRawUnsafe(
      `UPDATE "HostLease" SET "expiresAt" = ${utcNow} + $4::double precision * interval '1 millisecond'
       WHERE "platformId" = $1 AND "host" = $2 AND "holder" = $3`,
      platformId,
      host,
      holder,
      ttlMs,
    );
    return updated > 0;
  }

  async release(platformId: string, host: string, holder: string): Promise<void> {
    const deleted = await this.db.$executeRawUnsafe(
      `DELETE FROM "HostLease" WHERE "platformId" = $1 AND "host" = $2 AND "holder" = $3`,
      platformId,
      host,
      holder,
    );
    if (deleted > 0) this.listeners.notify(platformId);
  }

  onRelease(platformId: string, listener: () => void): () => void {
    return this.listeners.add(platformId, listener);
  }
}
