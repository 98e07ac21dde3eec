import type { Db } from '../lib/server/db/client';
import type { RunEvent } from '../lib/shared/events/catalogue';
import type { PlatformSnapshot } from '../lib/server/runs/settings';
import { recordAudit } from '../lib/server/audit/audit-log';
import { systemOf } from '../lib/server/history/systems';

interface Observation {
  system: string;
  /** null for a success */
  error: string | null;
}

/**
 * Counts a run platform's infrastructure failures per system from its events:
 * a set-up or provisioning that failed, a test attempt the system failed
 * (connection lost, no return from a reboot; not a test that failed, timed
 * out or wrote a bad control line). Any other attempt resets the count. An SSH pool with `quarantineAfter` set has a host that reaches that
 * many failures in a row taken out of the pool (host leases skip it) until
 * an admin puts it back. Writes run one after another, off the event path.
 */
export class SystemHealthRecorder {
  private writing: Promise<void> = Promise.resolve();

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
    if (this.stopped.aborted) return;
    const observation = this.observation(event);
    if (!observation || this.platformId === null) return;
    const platformId = this.platformId;
    this.writing = this.writing
      .then(() => this.store(platformId, observation))
      .catch((error: unknown) => console.error(`worker: recording system health failed: ${(error as Error).message}`));
  }

  /** Resolves once everything observed so far is stored. */
  async flush(): Promise<void> {
    await this.writing;
  }

  private observation(event: RunEvent): Observation | null {
    const named = (remote: string | null, error: string | null) => {
      const system = systemOf(this.spec, remote);
      return system === null ? null : { system, error };
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

  private async store(platformId: string, { system, error }: Observation): Promise<void> {
    const failed = error !== null;
    const now = new Date();
    const quarantineAfter = this.spec.config.kind === 'ssh' ? (this.spec.config.quarantineAfter ?? null) : null;
    await this.db.$transaction(async (tx) => {
      const [row] = await tx.$queryRaw<{ id: string; quarantinedAt: Date | null; consecutiveFailures: number }[]>`
        INSERT INTO "SystemHealth" AS h ("id", "teamId", "platformId", "system", "consecutiveFailures", "failures", "successes",
                                         "lastError", "lastFailureAt", "lastSuccessAt", "updatedAt")
        VALUES (gen_random_uuid()::text, ${this.teamId}, ${platformId}, ${system}, ${failed ? 1 : 0}, ${failed ? 1 : 0}, ${failed ? 0 : 1},
                ${error?.slice(0, 2000) ?? null}, ${failed ? now : null}, ${failed ? null : now}, ${now})
        ON CONFLICT ("platformId", "system") DO UPDATE SET
          "consecutiveFailures" = CASE WHEN ${failed} THEN h."consecutiveFailures" + 1 ELSE 0 END,
          "failures" = h."failures" + EXCLUDED."failures",
          "successes" = h."successes" + EXCLUDED."successes",
          "lastError" = COALESCE(EXCLUDED."lastError", h."lastError"),
          "lastFailureAt" = COALESCE(EXCLUDED."lastFailureAt", h."lastFailureAt"),
          "lastSuccessAt" = COALESCE(EXCLUDED."lastSuccessAt", h."lastSuccessAt"),
          "updatedAt" = EXCLUDED."updatedAt"
        RETURNING "id", "quarantinedAt", "consecutiveFailures"`;
      if (!row || quarantineAfter === null || row.quarantinedAt !== null || row.consecutiveFailures < quarantineAfter) return;
      await tx.systemHealth.update({ where: { id: row.id }, data: { quarantinedAt: now }, select: { id: true } });
      await recordAudit(tx, {
        teamId: this.teamId,
        actorId: null,
        action: 'system.quarantined',
        subjectType: 'system',
        subjectId: row.id,
        details: { system, consecutiveFailures: row.consecutiveFailures, lastError: error },
      });
    });
  }
}
