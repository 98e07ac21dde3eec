import type { ArtifactStore } from '../lib/server/artifacts/store';
import type { Db, Transaction } from '../lib/server/db/client';
import type { AttemptOutcome, Aggregator } from '../lib/engine/orchestrator/types';
import { redactSecrets } from '../lib/server/secrets/redaction';
import { listAttemptFiles, owningResultLine, readResultLines, type ResultLine } from './attempt-files';
import { signFailures } from './failure-evidence';
import { attemptKeyPrefix } from '../lib/server/runs/attempt-keys';
import { recordFinalOutcome } from './test-flakiness';

/** Which run platform an aggregator writes into. */
export interface RunPlatformRef {
  runId: string;
  runPlatformId: string;
  teamId: string;
  /**
   * The worker holding the platform. When set, nothing is stored once another
   * worker has taken the platform over (this one's heartbeat stalled): its
   * attempts would otherwise mix with the successor's.
   */
  workerId?: string;
}

/** The run platform is held by another worker now; this one must stop. */
export class RunPlatformLostError extends Error {
  constructor(runPlatformId: string) {
    super(`run platform ${runPlatformId} was taken over by another worker`);
  }
}

/** What one ingest stored, for the `result.ingested` event. */
export interface IngestSummary {
  testName: string;
  attempt: number;
  /** The test's own result (the last line without a name), else the worst sub-result, else "error". */
  status: string;
  results: number;
  superseded: boolean;
  attemptId: string;
  /** The stored Result rows, for known issues to label. */
  stored: { id: bigint; status: string; note: string | null }[];
}

const badStatuses = ['error', 'fail', 'warn'];

/**
 * The Postgres + artifact store Aggregator: per attempt one transaction with
 * the Attempt, its Result rows and its Artifact rows; files are moved into the
 * store first (under keys derived from the attempt, so a retry overwrites
 * rather than duplicates). Ingesting a stored attempt again does nothing.
 */
export class PostgresAggregator implements Aggregator {
  private readonly inFlight = new Map<string, Promise<IngestSummary | null>>();

  constructor(
    private readonly db: Db,
    private readonly store: ArtifactStore,
    private readonly target: RunPlatformRef,
    /** Awaited before the ingest counts as done, so what it records comes before the platform's end. */
    private readonly onIngested?: (summary: IngestSummary) => void | Promise<void>,
  ) {}

  async ingest(outcome: AttemptOutcome): Promise<void> {
    const key = `${outcome.testName}\0${outcome.attempt}`;
    // The same outcome handed in twice at once: the second waits for the first instead of racing for its files.
    let ingesting = this.inFlight.get(key);
    if (!ingesting) {
      ingesting = this.storeAttempt(outcome).finally(() => this.inFlight.delete(key));
      this.inFlight.set(key, ingesting);
    }
    const summary = await ingesting;
    if (summary) await this.onIngested?.(summary);
  }

  /** Records that an attempt started, so a worker that dies before it ends leaves a trace to supersede on resume. */
  async attemptStarted(testName: string, attempt: number, remote: string, startedAt: Date): Promise<void> {
    const { runId, runPlatformId } = this.target;
    await this.db.$transaction(async (tx) => {
      await this.assertHeld(tx);
      await tx.attempt.createMany({
        data: [{ runId, runPlatformId, testName, number: attempt, remote, startedAt }],
        skipDuplicates: true,
      });
    });
  }

  /** Holds a share lock on the run platform till the transaction ends, so a takeover waits for the write or the write sees it. */
  private async assertHeld(tx: Transaction): Promise<void> {
    const { runPlatformId, workerId } = this.target;
    if (workerId === undefined) return;
    const held = await tx.$queryRaw<unknown[]>`
      SELECT 1 FROM "RunPlatform" WHERE "id" = ${runPlatformId} AND "workerId" = ${workerId} FOR SHARE`;
    if (held.length === 0) throw new RunPlatformLostError(runPlatformId);
  }

  private async storeAttempt(outcome: AttemptOutcome): Promise<IngestSummary | null> {
    const { runId, runPlatformId, teamId } = this.target;
    const number = outcome.attempt;
    const identity = { runPlatformId, testName: outcome.testName, number };
    const existing = await this.db.attempt.findUnique({ where: { runPlatformId_testName_number: identity }, select: { finishedAt: true } });
    if (existing?.finishedAt) return null;

    const [lines, files] = await Promise.all([readResultLines(outcome.artifactsDir), listAttemptFiles(outcome.artifactsDir)]);
    const signed = await signFailures(lines, files, outcome.exception);
    const keyPrefix = attemptKeyPrefix(runId, runPlatformId, outcome.testName, number);
    await Promise.all(files.map((file) => this.store.put(`${keyPrefix}/${file.path}`, file.absolutePath)));

    const superseded = outcome.rerunReason !== null;
    const stored = await this.db.$transaction(async (tx) => {
      await this.assertHeld(tx);
      // The row may exist (recorded when the attempt started) or be inserted by attemptStarted() any moment: insert-or-keep, then lock.
      await tx.attempt.createMany({ data: [{ runId, ...identity, startedAt: outcome.startedAt }], skipDuplicates: true });
      const [locked] = await tx.$queryRaw<{ id: string; finishedAt: Date | null }[]>`
        SELECT "id", "finishedAt" FROM "Attempt"
        WHERE "runPlatformId" = ${runPlatformId} AND "testName" = ${outcome.testName} AND "number" = ${number} FOR UPDATE`;
      if (!locked || locked.finishedAt) return null;
      const fields = {
        remote: outcome.remoteId,
        exitCode: outcome.exitCode,
        exception: outcome.exception === null ? null : redactSecrets(outcome.exception),
        rerunReason: outcome.rerunReason,
        superseded,
        startedAt: outcome.startedAt,
        finishedAt: outcome.finishedAt,
      };
      const attemptId = locked.id;
      await tx.attempt.update({ where: { id: attemptId }, data: fields, select: { id: true } });
      // One statement per table with the rows as arrays: far fewer round trips and parameters than createMany.
      const results = await tx.$queryRaw<{ id: bigint; line: number }[]>`
        INSERT INTO "Result" ("runId", "runPlatformId", "attemptId", "teamId", "testName", "superseded", "name", "status", "note", "extra", "line",
                              "signature", "evidence", "durationMs")
        SELECT ${runId}, ${runPlatformId}, ${attemptId}, ${teamId}, ${outcome.testName}, ${superseded}, *,
               ${outcome.finishedAt.getTime() - outcome.startedAt.getTime()}::int
        FROM unnest(${lines.map((line) => line.name)}::text[], ${lines.map((line) => line.status)}::text[],
                    ${lines.map((line) => line.note)}::text[], ${lines.map((line) => (line.extra ? JSON.stringify(line.extra) : null))}::jsonb[],
                    ${lines.map((line) => line.line)}::int[], ${lines.map((line) => signed.get(line.line)?.signature ?? null)}::text[],
                    ${lines.map((line) => {
                      const failure = signed.get(line.line);
                      return failure ? JSON.stringify(failure.evidence) : null;
                    })}::jsonb[])
        RETURNING "id", "line"`;
      if (files.length > 0) {
        const resultIdByLine = new Map(results.map((result) => [result.line, result.id]));
        const resultIds = files.map((file) => {
          const line = owningResultLine(file.path, lines);
          return line === null ? null : (resultIdByLine.get(line)?.toString() ?? null);
        });
        await tx.$executeRaw`
          INSERT INTO "Artifact" ("id", "attemptId", "resultId", "path", "size", "sha256", "storageKey")
          SELECT gen_random_uuid()::text, ${attemptId}, *
          FROM unnest(${resultIds}::bigint[], ${files.map((file) => file.path)}::text[], ${files.map((file) => file.size)}::bigint[],
                      ${files.map((file) => file.sha256)}::text[], ${files.map((file) => `${keyPrefix}/${file.path}`)}::text[])`;
      }
      if (!superseded) {
        const { testName, exception } = outcome;
        await recordFinalOutcome(tx, {
          runId,
          runPlatformId,
          teamId,
          testName,
          attempt: number,
          status: overallStatus(lines, outcome),
          exception,
        });
      }
      return { attemptId, results };
    });
    if (!stored) return null;
    const byLine = new Map(lines.map((line) => [line.line, line]));
    return {
      testName: outcome.testName,
      attempt: number,
      status: overallStatus(lines, outcome),
      results: lines.length,
      superseded,
      attemptId: stored.attemptId,
      stored: stored.results.map((result) => ({
        id: result.id,
        status: byLine.get(result.line)!.status,
        note: byLine.get(result.line)!.note,
      })),
    };
  }
}

function overallStatus(lines: readonly ResultLine[], outcome: AttemptOutcome): string {
  const own = lines.findLast((line) => line.name === null);
  if (own) return own.status;
  if (outcome.exception !== null) return 'error';
  return badStatuses.find((status) => lines.some((line) => line.status === status)) ?? (lines.length ? 'pass' : 'error');
}
