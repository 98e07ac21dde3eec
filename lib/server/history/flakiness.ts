import { z } from 'zod';
import type { Actor } from '../access/actor';
import { requireTeamRole } from '../access/team-access';
import type { Db } from '../db/client';
import { flakinessFlag, type FlakinessFlag } from '../../shared/flakiness';
import { parseInput } from '../validation';

export const flakiestQuery = z.object({
  limit: z.coerce.number().int().min(1).max(200).default(50),
});

export interface FlakyTest extends FlakinessFlag {
  testName: string;
  platform: string;
  /** flaky / of: the share of its last runs that were flaky events. */
  score: number;
  /** Its last runs' outcomes, oldest first (lib/shared/flakiness.ts letters). */
  recent: string;
  flakyTotal: number;
  runs: number;
  lastStatus: string;
  lastRunNumber: number;
  lastSeenAt: Date;
}

/**
 * The team's flakiest tests (viewer): most flaky events among their last
 * runs first. Read from the summary the worker maintains, through its
 * (teamId, flakyRecent) index, so the cost does not grow with the number of
 * stored results; only the flaky tests are sorted by when they last ran.
 */
export async function listFlakiestTests(db: Db, actor: Actor, teamSlug: string, input: Record<string, string>): Promise<FlakyTest[]> {
  const { team } = await requireTeamRole(db, actor, teamSlug, 'viewer');
  const { limit } = parseInput(flakiestQuery, input, 'query');
  const rows = await db.testFlakiness.findMany({
    where: { teamId: team.id, flakyRecent: { gt: 0 } },
    orderBy: [{ flakyRecent: 'desc' }, { lastSeenAt: 'desc' }],
    take: limit,
    select: {
      testName: true,
      platform: true,
      recent: true,
      flakyTotal: true,
      runs: true,
      lastStatus: true,
      lastRunNumber: true,
      lastSeenAt: true,
    },
  });
  return rows.map((row) => {
    const flag = flakinessFlag(row.recent);
    return { ...row, ...flag, score: flag.of ? flag.flaky / flag.of : 0 };
  });
}
