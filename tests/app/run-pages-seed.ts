// Results written straight into the database, as the worker's aggregator
// would store them, for tests and the web benchmark that need many.
import type { Db } from '../../lib/server/db/client';
import { collectEvidence, failureSignature, failureStatuses } from '../../lib/engine/results/failure-signature';

export interface SeedTarget {
  runId: string;
  runPlatformId: string;
  teamId: string;
}

export interface SeededTest {
  name: string;
  status: string;
  note?: string;
  /** Earlier attempts, superseded with this reason each. */
  rerunReasons?: string[];
  /** Files of the final attempt: path (under files/) → storage key. */
  files?: { path: string; storageKey: string; size: number; sha256: string }[];
}

/** One final attempt (plus superseded ones) with its own result per test, in a few statements whatever the count. */
export async function seedResults(db: Db, target: SeedTarget, tests: readonly SeededTest[]): Promise<void> {
  const attempts = tests.flatMap((test) => {
    const earlier = (test.rerunReasons ?? []).map((reason, index) => ({
      test,
      number: index + 1,
      reason,
      superseded: true,
      status: 'fail',
    }));
    return [...earlier, { test, number: earlier.length + 1, reason: null, superseded: false, status: test.status }];
  });
  // Failures signed from their note, as the aggregator signs them (it reads the output too).
  const evidence = attempts.map(({ test, status }) =>
    failureStatuses.includes(status) ? collectEvidence({ status, note: test.note ?? null, exception: null, outputTail: '' }) : null,
  );
  const ids = attempts.map((attempt) => `seed-${target.runPlatformId}-${attempt.number}-${attempt.test.name}`);
  await db.$executeRaw`
    INSERT INTO "Attempt" ("id", "runId", "runPlatformId", "testName", "number", "remote", "exitCode", "rerunReason", "superseded", "startedAt", "finishedAt")
    SELECT id, ${target.runId}, ${target.runPlatformId}, name, number, 'seeded', 0, reason, superseded, now(), now()
    FROM unnest(${ids}::text[], ${attempts.map((attempt) => attempt.test.name)}::text[], ${attempts.map((attempt) => attempt.number)}::int[],
                ${attempts.map((attempt) => attempt.reason)}::text[], ${attempts.map((attempt) => attempt.superseded)}::bool[]) AS t(id, name, number, reason, superseded)`;
  await db.$executeRaw`
    INSERT INTO "Result" ("runId", "runPlatformId", "attemptId", "teamId", "testName", "superseded", "name", "status", "note", "line", "signature", "evidence", "durationMs")
    SELECT ${target.runId}, ${target.runPlatformId}, id, ${target.teamId}, name, superseded, NULL, status, note, 0, signature, evidence, 0
    FROM unnest(${ids}::text[], ${attempts.map((attempt) => attempt.test.name)}::text[], ${attempts.map((attempt) => attempt.superseded)}::bool[],
                ${attempts.map((attempt) => attempt.status)}::text[], ${attempts.map((attempt) => attempt.test.note ?? null)}::text[],
                ${evidence.map((item) => (item ? failureSignature(item) : null))}::text[],
                ${evidence.map((item) => (item ? JSON.stringify(item) : null))}::jsonb[]) AS t(id, name, superseded, status, note, signature, evidence)`;
  const files = attempts.flatMap((attempt, index) =>
    attempt.superseded ? [] : (attempt.test.files ?? []).map((file) => ({ ...file, attemptId: ids[index]! })),
  );
  if (files.length > 0) {
    await db.$executeRaw`
      INSERT INTO "Artifact" ("id", "attemptId", "path", "size", "sha256", "storageKey")
      SELECT gen_random_uuid()::text, * FROM unnest(${files.map((file) => file.attemptId)}::text[], ${files.map((file) => `files/${file.path}`)}::text[],
                                                   ${files.map((file) => file.size)}::bigint[], ${files.map((file) => file.sha256)}::text[], ${files.map((file) => file.storageKey)}::text[])`;
  }
}
