import type { Actor } from '../access/actor';
import { requireTeamRole } from '../access/team-access';
import type { Role } from '../../generated/prisma/client';
import type { Db } from '../db/client';
import { notFound } from '../errors';

/** A run as URLs name it: its per-team number ("42") or its id. */
export async function findTeamRun(
  db: Db,
  actor: Actor,
  teamSlug: string,
  runRef: string,
  role: Role,
): Promise<{ id: string; teamId: string; number: number }> {
  const { team } = await requireTeamRole(db, actor, teamSlug, role);
  const where = /^\d{1,9}$/.test(runRef) ? { teamId: team.id, number: Number(runRef) } : { teamId: team.id, id: runRef };
  const run = await db.run.findFirst({ where, select: { id: true, teamId: true, number: true } });
  if (!run) throw notFound('run');
  return run;
}
