import type { Actor } from '../access/actor';
import type { Db } from '../db/client';
import { listRecentRuns, type RunSummary } from '../runs/recent';

export interface RunOverview extends RunSummary {
  /** Final results of tests (not sub-results, not superseded attempts). */
  tests: { total: number; passed: number };
}

/** The team's recent runs (viewer) with how many of their tests passed so far. */
export async function listRunOverviews(db: Db, actor: Actor, teamSlug: string, limit = 50): Promise<RunOverview[]> {
  const runs = await listRecentRuns(db, actor, teamSlug, limit);
  const counts = await db.result.groupBy({
    by: ['runId', 'status'],
    where: { runId: { in: runs.map((run) => run.id) }, superseded: false, name: null },
    _count: { _all: true },
  });
  return runs.map((run) => {
    const mine = counts.filter((row) => row.runId === run.id);
    return {
      ...run,
      tests: {
        total: mine.reduce((sum, row) => sum + row._count._all, 0),
        passed: mine.filter((row) => row.status === 'pass').reduce((sum, row) => sum + row._count._all, 0),
      },
    };
  });
}
