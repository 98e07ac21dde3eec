import type { Actor } from '../access/actor';
import type { Db } from '../db/client';
import { notFound } from '../errors';
import { findTeamRun } from '../runs/lookup';

export interface AttemptFileInfo {
  id: string;
  /** Relative to the attempt's artifacts folder, e.g. "files/output.txt". */
  path: string;
  size: number;
  /** The sub-result the file belongs to; null for the test's own files. */
  resultName: string | null;
}

export interface AttemptDetails {
  number: number;
  remote: string | null;
  exitCode: number | null;
  exception: string | null;
  /** Why this attempt was run again, when a later attempt supersedes it. */
  rerunReason: string | null;
  superseded: boolean;
  startedAt: Date;
  /** Null while the attempt runs (or when its worker was lost). */
  finishedAt: Date | null;
  results: { id: string; name: string | null; status: string; note: string | null; extra: unknown }[];
  files: AttemptFileInfo[];
}

export interface TestAttempts {
  /** `lastSeq`: the run's last event before anything else here was read, so live changes can follow from it. */
  run: { id: string; number: number; lastSeq: number };
  platform: string;
  testName: string;
  /** Oldest first; the last one not superseded is the final attempt. */
  attempts: AttemptDetails[];
}

/** Every attempt of one test on one platform of a run (viewer), with results and files. */
export async function getTestAttempts(
  db: Db,
  actor: Actor,
  teamSlug: string,
  runRef: string,
  platformName: string,
  testName: string,
): Promise<TestAttempts> {
  const run = await findTeamRun(db, actor, teamSlug, runRef, 'viewer');
  const { eventSeq } = await db.run.findUniqueOrThrow({ where: { id: run.id }, select: { eventSeq: true } });
  const platform = await db.runPlatform.findUnique({
    where: { runId_name: { runId: run.id, name: platformName } },
    select: { id: true, name: true },
  });
  if (!platform) throw notFound('platform');
  const attempts = await db.attempt.findMany({
    where: { runPlatformId: platform.id, testName },
    orderBy: { number: 'asc' },
    include: {
      results: { orderBy: { line: 'asc' }, select: { id: true, name: true, status: true, note: true, extra: true } },
      artifacts: { orderBy: { path: 'asc' }, select: { id: true, path: true, size: true, result: { select: { name: true } } } },
    },
  });
  if (attempts.length === 0) throw notFound('test');
  return {
    run: { id: run.id, number: run.number, lastSeq: eventSeq },
    platform: platform.name,
    testName,
    attempts: attempts.map((attempt) => ({
      number: attempt.number,
      remote: attempt.remote,
      exitCode: attempt.exitCode,
      exception: attempt.exception,
      rerunReason: attempt.rerunReason,
      superseded: attempt.superseded,
      startedAt: attempt.startedAt,
      finishedAt: attempt.finishedAt,
      results: attempt.results.map((result) => ({ ...result, id: result.id.toString() })),
      files: attempt.artifacts.map((artifact) => ({
        id: artifact.id,
        path: artifact.path,
        size: Number(artifact.size),
        resultName: artifact.result?.name ?? null,
      })),
    })),
  };
}
