import type { Actor } from '../access/actor';
import { requireTeamRole } from '../access/team-access';
import { recordAudit } from '../audit/audit-log';
import type { Db } from '../db/client';
import { notFound } from '../errors';

export interface SystemHealthRow {
  id: string;
  platform: { id: string; name: string; kind: string };
  system: string;
  consecutiveFailures: number;
  failures: number;
  successes: number;
  lastError: string | null;
  lastFailureAt: Date | null;
  lastSuccessAt: Date | null;
  quarantinedAt: Date | null;
  /** The platform's `quarantineAfter` (SSH pools), or null when it does not quarantine. */
  quarantineAfter: number | null;
}

/**
 * The team's systems that failed for infrastructure reasons at least once
 * (viewer): quarantined first, then most failures in a row.
 */
export async function listSystemHealth(db: Db, actor: Actor, teamSlug: string): Promise<SystemHealthRow[]> {
  const { team } = await requireTeamRole(db, actor, teamSlug, 'viewer');
  const rows = await db.systemHealth.findMany({
    where: { teamId: team.id, failures: { gt: 0 } },
    orderBy: [{ consecutiveFailures: 'desc' }, { lastFailureAt: 'desc' }],
    take: 500,
    include: { platform: { select: { id: true, name: true, kind: true, config: true } } },
  });
  return rows
    .map(({ platform: { config, ...platform }, teamId: _teamId, platformId: _platformId, updatedAt: _updatedAt, ...row }) => ({
      ...row,
      platform,
      quarantineAfter: quarantineAfterOf(config),
    }))
    .sort((a, b) => Number(b.quarantinedAt !== null) - Number(a.quarantinedAt !== null));
}

function quarantineAfterOf(config: unknown): number | null {
  if (config && typeof config === 'object' && 'quarantineAfter' in config && typeof config.quarantineAfter === 'number') {
    return config.quarantineAfter;
  }
  return null;
}

/** Puts a quarantined system back into its pool with a clean count (admin); recorded in the audit log. */
export async function restoreSystem(db: Db, actor: Actor, teamSlug: string, systemId: string): Promise<SystemHealthRow> {
  const { team } = await requireTeamRole(db, actor, teamSlug, 'admin');
  await db.$transaction(async (tx) => {
    const system = await tx.systemHealth.findFirst({ where: { id: systemId, teamId: team.id }, select: { id: true, system: true } });
    if (!system) throw notFound('system');
    await tx.systemHealth.update({ where: { id: system.id }, data: { quarantinedAt: null, consecutiveFailures: 0 }, select: { id: true } });
    await recordAudit(tx, {
      teamId: team.id,
      actorId: actor.userId,
      action: 'system.restored',
      subjectType: 'system',
      subjectId: system.id,
      details: { system: system.system },
    });
  });
  const restored = (await listSystemHealth(db, actor, teamSlug)).find((row) => row.id === systemId);
  if (!restored) throw notFound('system');
  return restored;
}
