import type { Db } from '../lib/server/db/client';
import type { ResumeState } from '../lib/engine/orchestrator';

export const workerLostReason = 'worker lost';

/**
 * What a worker taking over a run platform starts from. Attempts that were
 * running when the previous worker died (started, never finished) are marked
 * superseded ("worker lost") and their tests run again; tests whose final
 * attempt is stored are not run again; attempt numbers continue.
 */
export async function prepareResume(db: Db, runPlatformId: string): Promise<ResumeState> {
  await db.attempt.updateMany({
    where: { runPlatformId, finishedAt: null, superseded: false },
    data: { superseded: true, rerunReason: workerLostReason },
  });
  const [finalAttempts, lastNumbers] = await Promise.all([
    db.attempt.findMany({
      where: { runPlatformId, superseded: false, finishedAt: { not: null } },
      select: { testName: true, exitCode: true, exception: true },
    }),
    db.attempt.groupBy({ by: ['testName'], where: { runPlatformId }, _max: { number: true } }),
  ]);
  return {
    finished: new Map(finalAttempts.map((attempt) => [attempt.testName, attempt.exitCode === 0 && attempt.exception === null])),
    lastAttempts: new Map(lastNumbers.map((row) => [row.testName, row._max.number ?? 0])),
  };
}
