import type { Actor } from '../access/actor';
import { requireTeamRole } from '../access/team-access';
import type { Db } from '../db/client';

export interface RunSummary {
  id: string;
  number: number;
  plan: string;
  status: string;
  createdAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
}

export async function listRecentRuns(db: Db, actor: Actor, teamSlug: string, limit = 50): Promise<RunSummary[]> {
  const { team } = await requireTeamRole(db, actor, teamSlug, 'viewer');
  return db.run.findMany({
    where: { teamId: team.id },
    select: { id: true, number: true, plan: true, status: true, createdAt: true, startedAt: true, finishedAt: true },
    orderBy: { createdAt: 'desc' },
    take: limit,
  });
}
