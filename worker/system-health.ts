import { sqlPool, type Db } from '../lib/server/db/client';
import type { RunEvent } from '../lib/shared/events/catalogue';
import type { PlatformSnapshot } from '../lib/server/runs/settings';
import { recordAudit } from '../lib/server/audit/audit-log';
import { systemOf } from '../lib/server/history/systems';
import { WriteBatches } from './write-batches';

interface Observation {
  system: string;
  /** null for successes */
  error: string | null;
  /** Successes in a row (merged), 0 for a failure. */
  successes: number;
}

/** Long enough to gather a pool's systems finishing tests together. */
const batchMs = 50;

/**
 * Counts a run platform's infrastructure failures per system from its events:
 * a set-up or provisioning that failed, a test attempt the system failed
 * (connection lost, no return from a reboot; not a test that failed, timed
 * out or wrote a bad control line). Any other attempt resets the count. An SSH pool with `quarantineAfter` set has a host that reaches that
 * many failures in a row taken out of the pool (host leases skip it) until
 * an admin puts it back. Observations are written off the event path, one
 * batch at a time: a system's successes in a row in one statement.
 */
export class SystemHealthRecorder {
  private readonly batches = new WriteBatches<Observation>((batch) => this.storeBatch(batch), batchMs);

  constructor(
    private readonly db: Db,
    private readonly teamId: string,
    /** The team's platform; null when it was deleted since the run started (nothing is recorded then). */
    private readonly platformId: string | null,
    private readonly spec: PlatformSnapshot,
    /** Once aborted (cancelled, handed back), attempts end with errors that are no system's fault. */
    private readonly stopped: AbortSignal,
  ) {}

  observe(event: RunEvent): void {
    if (this.stopped.aborted || this.platformId === null) return;
    const observation = this.observation(event);
    if (!observation) return;
    this.batches.add(observation);
  }

  /** Resolves once everything observed so far is stored. */
  flush(): Promise<void> {
    return this.batches.flush();
  }

  private async storeBatch(batch: Observation[]): Promise<void> {
    const platformId = this.platformId;
    if (platformId === null) return;
    // Each system's observations in their order; the systems are independent of each other.
    const bySystem = new Map<string, Observation[]>();
    for (const observation of batch) {
      const merged = bySystem.get(observation.system) ?? [];
      const last = merged.at(-1);
      if (last && last.error === null && observation.error === null) last.successes += observation.successes;
      else merged.push({ ...observation });
      bySystem.set(observation.system, merged);
    }
    // One statement per round: the first observation of each system, then the second of each…
    const systems = [...bySystem.values()];
    for (let round = 0; systems.some((observations) => observations.length > round); round++) {
      const observations = systems.flatMap((list) => (list.length > round ? [list[round]!] : []));
      await this.store(platformId, observations).catch((error: unknown) =>
        console.error(`worker: recording system health failed: ${(error as Error).message}`),
      );
    }
  }

  private observation(event: RunEvent): Observation | null {
    const named = (remote: string | null, error: string | null) => {
      const system = systemOf(this.spec, remote);
      return system === null ? null : { system, error, successes: error === null ? 1 : 0 };
    };
    switch (event.type) {
      case 'test.finished':
        // A test that timed out or broke the control protocol ran on a system that worked: a success for it.
        return named(event.remote, event.systemFailed ? event.exception : null);
      case 'remote.setup-failed':
        return named(event.remote, `setup failed: ${event.error}`);
      case 'remote.provision-failed':
        return named(event.system ?? null, `provisioning failed: ${event.error}`);
      default:
        return null;
    }
  }

  /** Observations of distinct systems. */
  private async store(platformId: string, observations: readonly Observation[]): Promise<void> {
    const now = new Date().toISOString();
    const { rows } = await sqlPool(this.db).query<{ id: string; system: string; quarantinedAt: Date | null; consecutiveFailures: number }>(
      {
        name: 'system-health-upsert',
        text: `INSERT INTO "SystemHealth" AS h ("id", "teamId", "platformId", "system", "consecutiveFailures", "failures", "successes",
                                       "lastError", "lastFailureAt", "lastSuccessAt", "updatedAt")
       SELECT gen_random_uuid()::text, $1, $2, o."system", o."failures", o."failures", o."successes", o."lastError",
              CASE WHEN o."failures" > 0 THEN $3::timestamp(3) END, CASE WHEN o."failures" = 0 THEN $3::timestamp(3) END, $3::timestamp(3)
       FROM unnest($4::text[], $5::int[], $6::int[], $7::text[]) AS o("system", "failures", "successes", "lastError")
       ON CONFLICT ("platformId", "system") DO UPDATE SET
         "consecutiveFailures" = CASE WHEN EXCLUDED."failures" > 0 THEN h."consecutiveFailures" + 1 ELSE 0 END,
         "failures" = h."failures" + EXCLUDED."failures",
         "successes" = h."successes" + EXCLUDED."successes",
         "lastError" = COALESCE(EXCLUDED."lastError", h."lastError"),
         "lastFailureAt" = COALESCE(EXCLUDED."lastFailureAt", h."lastFailureAt"),
         "lastSuccessAt" = COALESCE(EXCLUDED."lastSuccessAt", h."lastSuccessAt"),
         "updatedAt" = EXCLUDED."updatedAt"
       RETURNING "id", "system", "quarantinedAt", "consecutiveFailures"`,
      },
      [
        this.teamId,
        platformId,
        now,
        observations.map((observation) => observation.system),
        observations.map((observation) => (observation.error === null ? 0 : 1)),
        observations.map((observation) => observation.successes),
        observations.map((observation) => observation.error?.slice(0, 2000) ?? null),
      ],
    );
    const quarantineAfter = this.spec.config.kind === 'ssh' ? (this.spec.config.quarantineAfter ?? null) : null;
    if (quarantineAfter === null) return;
    for (const row of rows) {
      if (row.quarantinedAt !== null || row.consecutiveFailures < quarantineAfter) continue;
      const error = observations.find((observation) => observation.system === row.system)?.error ?? null;
      await this.db.$transaction(async (tx) => {
        // Another run on the platform may reach the limit at the same moment: one of them quarantines.
        const { count } = await tx.systemHealth.updateMany({
          where: { id: row.id, quarantinedAt: null },
          data: { quarantinedAt: new Date(now) },
        });
        if (count === 0) return;
        await recordAudit(tx, {
          teamId: this.teamId,
          actorId: null,
          action: 'system.quarantined',
          subjectType: 'system',
          subjectId: row.id,
          details: { system: row.system, consecutiveFailures: row.consecutiveFailures, lastError: error },
        });
      });
    }
  }
}
