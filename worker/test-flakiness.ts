import type { Transaction } from '../lib/server/db/client';
import { flakinessFlag, flakinessWindow, outcomeLetter, type OutcomeLetter } from '../lib/shared/flakiness';

/** The final attempt of one test on one run platform, as the aggregator stores it. */
export interface FinalOutcome {
  runId: string;
  runPlatformId: string;
  teamId: string;
  testName: string;
  attempt: number;
  status: string;
  /** The executor's error: an infrastructure failure, not the test's. */
  exception: string | null;
}

/**
 * Adds one run's outcome of a test to its TestFlakiness row, in the
 * transaction that stores the final attempt. A run is a flaky event when the
 * test failed and then passed on a rerun inside it, or when its outcome
 * differs from the previous run's at the same commit.
 */
export async function recordFinalOutcome(tx: Transaction, outcome: FinalOutcome): Promise<void> {
  const [context] = await tx.$queryRaw<{ platform: string; commit: string | null; number: number; failedBefore: number }[]>`
    SELECT p."name" AS "platform", r."commit", r."number",
           (SELECT count(*)::int FROM "Attempt" a
            WHERE a."runPlatformId" = p."id" AND a."testName" = ${outcome.testName} AND a."number" < ${outcome.attempt}
              AND a."superseded" AND a."exception" IS NULL AND a."finishedAt" IS NOT NULL) AS "failedBefore"
    FROM "RunPlatform" p JOIN "Run" r ON r."id" = p."runId"
    WHERE p."id" = ${outcome.runPlatformId}`;
  if (!context) return;
  const letter = outcomeLetter(outcome.status, outcome.exception !== null);
  const key = { teamId: outcome.teamId, platform: context.platform, testName: outcome.testName };
  await tx.$executeRaw`
    INSERT INTO "TestFlakiness" ("teamId", "platform", "testName", "lastStatus", "lastRunId", "lastRunNumber", "lastSeenAt")
    VALUES (${key.teamId}, ${key.platform}, ${key.testName}, ${outcome.status}, ${outcome.runId}, ${context.number}, now())
    ON CONFLICT DO NOTHING`;
  const [previous] = await tx.$queryRaw<{ recent: string; lastCommit: string | null; runs: number; flakyTotal: number }[]>`
    SELECT "recent", "lastCommit", "runs", "flakyTotal" FROM "TestFlakiness"
    WHERE "teamId" = ${key.teamId} AND "platform" = ${key.platform} AND "testName" = ${key.testName} FOR UPDATE`;
  if (!previous) return;
  const lastLetter = previous.recent.at(-1)?.toLowerCase() as OutcomeLetter | undefined;
  const passedOnRerun = letter === 'p' && context.failedBefore > 0;
  const flippedAtCommit =
    previous.runs > 0 &&
    context.commit !== null &&
    previous.lastCommit === context.commit &&
    lastLetter !== undefined &&
    isVerdict(lastLetter) &&
    isVerdict(letter) &&
    lastLetter !== letter;
  const flaky = passedOnRerun || flippedAtCommit;
  const recent = (previous.recent + (flaky ? letter.toUpperCase() : letter)).slice(-flakinessWindow);
  const flakyRecent = flakinessFlag(recent).flaky;
  await tx.$executeRaw`
    UPDATE "TestFlakiness"
    SET "runs" = ${previous.runs + 1}, "recent" = ${recent}, "flakyRecent" = ${flakyRecent},
        "flakyTotal" = ${previous.flakyTotal + (flaky ? 1 : 0)}, "lastStatus" = ${outcome.status}, "lastCommit" = ${context.commit},
        "lastRunId" = ${outcome.runId}, "lastRunNumber" = ${context.number}, "lastSeenAt" = now()
    WHERE "teamId" = ${key.teamId} AND "platform" = ${key.platform} AND "testName" = ${key.testName}`;
}

/** Passed or failed: the outcomes a flip between runs is counted on (not skips or infrastructure errors). */
function isVerdict(letter: OutcomeLetter): boolean {
  return letter === 'p' || letter === 'f';
}
