import type pg from 'pg';
import { flakinessFlag, flakinessWindow, outcomeLetter, type OutcomeLetter } from '../lib/shared/flakiness';

/** The final attempt of one test on a run platform, as the aggregator stores it. */
export interface FinalOutcome {
  testName: string;
  attempt: number;
  status: string;
  /** The executor's error: an infrastructure failure, not the test's. */
  exception: string | null;
}

interface FlakinessRow {
  testName: string;
  recent: string;
  lastCommit: string | null;
  runs: number;
  flakyTotal: number;
}

/**
 * Adds one run's outcome of each test to its TestFlakiness row, in the
 * transaction that stores the final attempts (each test at most once). A
 * run is a flaky event when the test failed and then passed on a rerun
 * inside it, or when its outcome differs from the previous run's at the same
 * commit. Rows are locked in test name order, as every writer does.
 */
export async function recordFinalOutcomes(
  connection: pg.ClientBase,
  target: { runId: string; runPlatformId: string; teamId: string },
  outcomes: readonly FinalOutcome[],
): Promise<void> {
  if (outcomes.length === 0) return;
  const sorted = [...outcomes].sort((a, b) => (a.testName < b.testName ? -1 : a.testName > b.testName ? 1 : 0));
  const names = sorted.map((outcome) => outcome.testName);
  const { rows: contexts } = await connection.query<{
    platform: string;
    commit: string | null;
    number: number;
    testName: string;
    failedBefore: number;
  }>(
    {
      name: 'flakiness-contexts',
      text: `SELECT p."name" AS "platform", r."commit", r."number", t."testName",
            (SELECT count(*)::int FROM "Attempt" a
             WHERE a."runPlatformId" = p."id" AND a."testName" = t."testName" AND a."number" < t."number"
               AND a."superseded" AND a."exception" IS NULL AND a."finishedAt" IS NOT NULL) AS "failedBefore"
     FROM "RunPlatform" p JOIN "Run" r ON r."id" = p."runId", unnest($2::text[], $3::int[]) AS t("testName", "number")
     WHERE p."id" = $1`,
    },
    [target.runPlatformId, names, sorted.map((outcome) => outcome.attempt)],
  );
  const context = contexts[0];
  if (!context) return;
  const failedBefore = new Map(contexts.map((row) => [row.testName, row.failedBefore]));
  const key = [target.teamId, context.platform];

  await connection.query(
    {
      name: 'flakiness-insert',
      text: `INSERT INTO "TestFlakiness" ("teamId", "platform", "testName", "lastStatus", "lastRunId", "lastRunNumber", "lastSeenAt")
     SELECT $1, $2, t."testName", t."status", $3, $4, now() FROM unnest($5::text[], $6::text[]) AS t("testName", "status")
     ON CONFLICT DO NOTHING`,
    },
    [...key, target.runId, context.number, names, sorted.map((outcome) => outcome.status)],
  );
  const { rows: previous } = await connection.query<FlakinessRow>(
    {
      name: 'flakiness-lock',
      text: `SELECT "testName", "recent", "lastCommit", "runs", "flakyTotal" FROM "TestFlakiness"
     WHERE "teamId" = $1 AND "platform" = $2 AND "testName" = ANY($3::text[])
     ORDER BY "testName" FOR UPDATE`,
    },
    [...key, names],
  );
  const previousByTest = new Map(previous.map((row) => [row.testName, row]));
  const updates = sorted.flatMap((outcome) => {
    const row = previousByTest.get(outcome.testName);
    return row ? [{ outcome, ...nextFlakiness(row, outcome, context.commit, failedBefore.get(outcome.testName) ?? 0) }] : [];
  });
  // The names are an index condition too: joined to unnest alone, the planner read every test of the platform.
  await connection.query(
    {
      name: 'flakiness-update',
      text: `UPDATE "TestFlakiness" AS f
     SET "runs" = u."runs", "recent" = u."recent", "flakyRecent" = u."flakyRecent", "flakyTotal" = u."flakyTotal",
         "lastStatus" = u."status", "lastCommit" = $3, "lastRunId" = $4, "lastRunNumber" = $5, "lastSeenAt" = now()
     FROM unnest($6::text[], $7::int[], $8::text[], $9::int[], $10::int[], $11::text[])
       AS u("testName", "runs", "recent", "flakyRecent", "flakyTotal", "status")
     WHERE f."teamId" = $1 AND f."platform" = $2 AND f."testName" = ANY($6::text[]) AND f."testName" = u."testName"`,
    },
    [
      ...key,
      context.commit,
      target.runId,
      context.number,
      updates.map((update) => update.outcome.testName),
      updates.map((update) => update.runs),
      updates.map((update) => update.recent),
      updates.map((update) => update.flakyRecent),
      updates.map((update) => update.flakyTotal),
      updates.map((update) => update.outcome.status),
    ],
  );
}

function nextFlakiness(previous: FlakinessRow, outcome: FinalOutcome, commit: string | null, failedBefore: number) {
  const letter = outcomeLetter(outcome.status, outcome.exception !== null);
  const lastLetter = previous.recent.at(-1)?.toLowerCase() as OutcomeLetter | undefined;
  const passedOnRerun = letter === 'p' && failedBefore > 0;
  const flippedAtCommit =
    previous.runs > 0 &&
    commit !== null &&
    previous.lastCommit === commit &&
    lastLetter !== undefined &&
    isVerdict(lastLetter) &&
    isVerdict(letter) &&
    lastLetter !== letter;
  const flaky = passedOnRerun || flippedAtCommit;
  const recent = (previous.recent + (flaky ? letter.toUpperCase() : letter)).slice(-flakinessWindow);
  return {
    runs: previous.runs + 1,
    recent,
    flakyRecent: flakinessFlag(recent).flaky,
    flakyTotal: previous.flakyTotal + (flaky ? 1 : 0),
  };
}

/** Passed or failed: the outcomes a flip between runs is counted on (not skips or infrastructure errors). */
function isVerdict(letter: OutcomeLetter): boolean {
  return letter === 'p' || letter === 'f';
}
