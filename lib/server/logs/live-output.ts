import { stat } from 'node:fs/promises';
import type { Actor } from '../access/actor';
import { defaultArtifactStore } from '../artifacts/store';
import type { Db } from '../db/client';
import { conflict, gone, notFound } from '../errors';
import { liveOutputPath } from '../runs/live-attempts';
import { findTeamRun } from '../runs/lookup';
import { growingLineIndexFor } from './line-index';
import type { LogFile } from './log-file';

/** Names one attempt of a test on a platform of a run, as the result page's URL does. */
export interface AttemptRef {
  platform: string;
  test: string;
  attempt: number;
}

/**
 * The output of a running attempt as written so far, up to its last
 * complete line (viewer). Readable while the attempt runs, by a web server
 * that shares the artifact store with the worker running it.
 */
export async function findLiveOutput(db: Db, actor: Actor, teamSlug: string, runRef: string, ref: AttemptRef): Promise<LogFile> {
  const run = await findTeamRun(db, actor, teamSlug, runRef, 'viewer');
  const attempt = await db.attempt.findFirst({
    where: { runId: run.id, testName: ref.test, number: ref.attempt, runPlatform: { name: ref.platform } },
    select: { runPlatformId: true, finishedAt: true },
  });
  if (!attempt) throw notFound('attempt');
  if (attempt.finishedAt) throw gone('the attempt has ended: its output is among its stored files');
  const filePath = liveOutputPath(defaultArtifactStore(), {
    runId: run.id,
    runPlatformId: attempt.runPlatformId,
    testName: ref.test,
    number: ref.attempt,
  });
  const unreadable = conflict(
    'the output of this attempt cannot be read here: its worker writes where this server cannot read, or it has just ended',
  );
  if (filePath === null) throw unreadable;
  try {
    const index = growingLineIndexFor(filePath);
    return { path: filePath, size: await index.extendTo((await stat(filePath)).size), index };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw unreadable;
    throw error;
  }
}
