import { unlink } from 'node:fs/promises';
import path from 'node:path';
import type pg from 'pg';
import type { ArtifactStore } from '../lib/server/artifacts/store';
import { sqlPool, sqlTransaction, type Db } from '../lib/server/db/client';
import type { AttemptOutcome, Aggregator } from '../lib/engine/orchestrator/types';
import { resultsFileName } from '../lib/engine/control/artifacts';
import { redactSecrets } from '../lib/server/secrets/redaction';
import { listAttemptFiles, owningResultLine, readResultLines, type AttemptFile, type ResultLine } from './attempt-files';
import { signFailures, type SignedFailure } from './failure-evidence';
import { attemptKeyPrefix } from '../lib/server/runs/attempt-keys';
import { recordFinalOutcomes, type FinalOutcome } from './test-flakiness';
import { WriteBatches } from './write-batches';

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

export interface AggregatorOptions {
  /**
   * Called with what each write stored; awaited before its ingests count as
   * done, so what it records comes before the platform's end.
   */
  onIngested?: (summaries: IngestSummary[]) => void | Promise<void>;
  /** How long the first attempt handed in waits for others to share its write (ms). */
  batchMs?: number;
}

/** Long enough to gather the attempts of a pool's remotes finishing together, short beside a person's reaction. */
const defaultBatchMs = 50;

const badStatuses = ['error', 'fail', 'warn'];

/** One attempt of a test on the run platform, as a map key. */
const attemptKey = (testName: string, number: number) => `${testName}\0${number}`;

/** An attempt read from its folder, waiting for the next write. */
interface PendingIngest {
  kind: 'ingest';
  outcome: AttemptOutcome;
  lines: ResultLine[];
  files: AttemptFile[];
  signed: Map<number, SignedFailure>;
  keyPrefix: string;
  settle: Settle<IngestSummary | null>;
}

interface PendingStart {
  kind: 'start';
  testName: string;
  attempt: number;
  remote: string;
  startedAt: Date;
  settle: Settle<void>;
}

interface Settle<T> {
  resolve(value: T): void;
  reject(error: unknown): void;
}

/** An attempt row as the write's lock found it. */
interface LockedAttempt {
  id: string;
  testName: string;
  number: number;
  finished: boolean;
}

/**
 * The Postgres + artifact store Aggregator. Attempts handed in within
 * `batchMs` of each other (or while a write is in flight) are stored by one
 * transaction in one statement per table: their Attempt, Result and Artifact
 * rows, the attempt starts recorded meanwhile, and the tests' flakiness.
 * A worker dying before that commit stored none of them: its successor runs
 * them again, so every result is stored exactly once. Files move into the
 * store first (under keys derived from the attempt, so a retry overwrites
 * rather than duplicates). Ingesting a stored attempt again does nothing.
 */
export class PostgresAggregator implements Aggregator {
  private readonly inFlight = new Map<string, Promise<IngestSummary | null>>();
  private readonly onIngested: AggregatorOptions['onIngested'];
  private readonly batches: WriteBatches<PendingIngest | PendingStart>;

  constructor(
    private readonly db: Db,
    private readonly store: ArtifactStore,
    private readonly target: RunPlatformRef,
    options: AggregatorOptions = {},
  ) {
    this.onIngested = options.onIngested;
    this.batches = new WriteBatches(
      (batch) =>
        this.write(
          batch.filter((item) => item.kind === 'ingest'),
          batch.filter((item) => item.kind === 'start'),
        ),
      options.batchMs ?? defaultBatchMs,
    );
  }

  async ingest(outcome: AttemptOutcome): Promise<void> {
    const key = attemptKey(outcome.testName, outcome.attempt);
    // The same outcome handed in twice at once: the second waits for the first instead of racing for its files.
    let ingesting = this.inFlight.get(key);
    if (!ingesting) {
      ingesting = this.queueAttempt(outcome).finally(() => this.inFlight.delete(key));
      this.inFlight.set(key, ingesting);
    }
    await ingesting;
  }

  /** Records that an attempt started, so a worker that dies before it ends leaves a trace to supersede on resume. */
  attemptStarted(testName: string, attempt: number, remote: string, startedAt: Date): Promise<void> {
    return new Promise((resolve, reject) => {
      this.batches.add({ kind: 'start', testName, attempt, remote, startedAt, settle: { resolve, reject } });
    });
  }

  /** Resolves once everything handed in so far is written (or has failed). */
  flush(): Promise<void> {
    return this.batches.flush();
  }

  private async queueAttempt(outcome: AttemptOutcome): Promise<IngestSummary | null> {
    const [lines, files] = await Promise.all([readResultLines(outcome.artifactsDir), listAttemptFiles(outcome.artifactsDir)]);
    const signed = await signFailures(lines, files, outcome.exception);
    const keyPrefix = attemptKeyPrefix(this.target.runId, this.target.runPlatformId, outcome.testName, outcome.attempt);
    return new Promise((resolve, reject) => {
      this.batches.add({ kind: 'ingest', outcome, lines, files, signed, keyPrefix, settle: { resolve, reject } });
    });
  }

  /** One batch; its failure fails each of its ingests and starts. */
  private async write(ingests: PendingIngest[], starts: PendingStart[]): Promise<void> {
    const settles = [...ingests.map((item) => item.settle), ...starts.map((item) => item.settle)];
    let summaries: (IngestSummary | null)[];
    try {
      const fresh = await this.notYetStored(ingests);
      await Promise.all(fresh.map((item) => this.storeFiles(item)));
      const stored = await retryOnDeadlock(() => sqlTransaction(this.db, (connection) => this.storeBatch(connection, fresh, starts)));
      summaries = ingests.map((item) => stored.get(item) ?? null);
      const reported = summaries.filter((summary) => summary !== null);
      if (reported.length > 0) await this.onIngested?.(reported);
    } catch (error) {
      for (const settle of settles) settle.reject(error);
      return;
    }
    ingests.forEach((item, index) => item.settle.resolve(summaries[index]!));
    for (const start of starts) start.settle.resolve();
  }

  /**
   * Moves the attempt's folder into the store whole, less `results` (stored
   * as rows): one move instead of one per file. The folder holds nothing but
   * `results` and `files/` once the attempt has ended (docs/ORCHESTRATION.md,
   * "Test artifacts"), so the files land at the keys listed for them.
   */
  private async storeFiles({ outcome, files, keyPrefix }: PendingIngest): Promise<void> {
    if (files.length === 0) return;
    await unlink(path.join(outcome.artifactsDir, resultsFileName)).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'ENOENT') throw error;
    });
    await this.store.putFolder(keyPrefix, outcome.artifactsDir);
  }

  /** Leaves out attempts whose final state is stored already (before their files would replace the stored ones). */
  private async notYetStored(ingests: PendingIngest[]): Promise<PendingIngest[]> {
    if (ingests.length === 0) return [];
    // The names are an index condition too (also below): joined to unnest alone, the planner read every attempt of the platform.
    const { rows } = await sqlPool(this.db).query<{ testName: string; number: number }>(
      {
        name: 'ingest-stored-attempts',
        text: `SELECT "testName", "number" FROM "Attempt"
       WHERE "runPlatformId" = $1 AND "finishedAt" IS NOT NULL
         AND "testName" = ANY($2::text[]) AND ("testName", "number") IN (SELECT * FROM unnest($2::text[], $3::int[]))`,
      },
      [this.target.runPlatformId, ingests.map((item) => item.outcome.testName), ingests.map((item) => item.outcome.attempt)],
    );
    const stored = new Set(rows.map((row) => attemptKey(row.testName, row.number)));
    return ingests.filter((item) => !stored.has(attemptKey(item.outcome.testName, item.outcome.attempt)));
  }

  /** One transaction: attempt rows, then results, artifacts and flakiness of the attempts not stored before. */
  private async storeBatch(
    connection: pg.PoolClient,
    ingests: PendingIngest[],
    starts: PendingStart[],
  ): Promise<Map<PendingIngest, IngestSummary>> {
    const { runId, runPlatformId, teamId } = this.target;
    await this.assertHeld(connection);
    // The rows may exist (an attempt's start, written before) or be inserted by another write any moment: insert-or-keep, then lock.
    const rows = [
      ...starts.map((start) => ({ testName: start.testName, number: start.attempt, remote: start.remote, startedAt: start.startedAt })),
      ...ingests.map(({ outcome }) => ({
        testName: outcome.testName,
        number: outcome.attempt,
        remote: null,
        startedAt: outcome.startedAt,
      })),
    ];
    await connection.query(
      {
        name: 'ingest-insert-attempts',
        text: `INSERT INTO "Attempt" ("id", "runId", "runPlatformId", "testName", "number", "remote", "startedAt")
       SELECT gen_random_uuid()::text, $1, $2, * FROM unnest($3::text[], $4::int[], $5::text[], $6::timestamp(3)[])
       ON CONFLICT ("runPlatformId", "testName", "number") DO NOTHING`,
      },
      [
        runId,
        runPlatformId,
        rows.map((row) => row.testName),
        rows.map((row) => row.number),
        rows.map((row) => row.remote),
        rows.map((row) => row.startedAt.toISOString()),
      ],
    );
    if (ingests.length === 0) return new Map();

    const { rows: locked } = await connection.query<LockedAttempt>(
      {
        name: 'ingest-lock-attempts',
        text: `SELECT "id", "testName", "number", "finishedAt" IS NOT NULL AS "finished" FROM "Attempt"
       WHERE "runPlatformId" = $1
         AND "testName" = ANY($2::text[]) AND ("testName", "number") IN (SELECT * FROM unnest($2::text[], $3::int[]))
       ORDER BY "testName", "number" FOR UPDATE`,
      },
      [runPlatformId, ingests.map((item) => item.outcome.testName), ingests.map((item) => item.outcome.attempt)],
    );
    const lockedByKey = new Map(locked.map((row) => [attemptKey(row.testName, row.number), row]));
    const toStore = ingests.flatMap((item) => {
      const row = lockedByKey.get(attemptKey(item.outcome.testName, item.outcome.attempt));
      return row && !row.finished ? [{ ...item, pending: item, attemptId: row.id }] : [];
    });
    if (toStore.length === 0) return new Map();

    await connection.query(
      {
        name: 'ingest-update-attempts',
        text: `UPDATE "Attempt" AS a
       SET "remote" = u."remote", "exitCode" = u."exitCode", "exception" = u."exception", "rerunReason" = u."rerunReason",
           "superseded" = u."rerunReason" IS NOT NULL, "startedAt" = u."startedAt", "finishedAt" = u."finishedAt"
       FROM unnest($1::text[], $2::text[], $3::int[], $4::text[], $5::text[], $6::timestamp(3)[], $7::timestamp(3)[])
         AS u("id", "remote", "exitCode", "exception", "rerunReason", "startedAt", "finishedAt")
       WHERE a."id" = u."id"`,
      },
      [
        toStore.map((item) => item.attemptId),
        toStore.map(({ outcome }) => outcome.remoteId),
        toStore.map(({ outcome }) => outcome.exitCode),
        toStore.map(({ outcome }) => (outcome.exception === null ? null : redactSecrets(outcome.exception))),
        toStore.map(({ outcome }) => outcome.rerunReason),
        toStore.map(({ outcome }) => outcome.startedAt.toISOString()),
        toStore.map(({ outcome }) => outcome.finishedAt.toISOString()),
      ],
    );

    // Every attempt's lines in one statement, the attempt's own values repeated per line.
    const lines = toStore.flatMap((item) => item.lines.map((line) => ({ item, line })));
    const { rows: results } =
      lines.length === 0
        ? { rows: [] }
        : await connection.query<{ id: string; attemptId: string; line: number }>(
            {
              name: 'ingest-insert-results',
              text: `INSERT INTO "Result" ("runId", "runPlatformId", "teamId", "attemptId", "testName", "superseded", "durationMs",
                                   "name", "status", "note", "extra", "line", "signature", "evidence")
             SELECT $1, $2, $3, * FROM unnest($4::text[], $5::text[], $6::boolean[], $7::int[], $8::text[], $9::text[], $10::text[],
                                               $11::jsonb[], $12::int[], $13::text[], $14::jsonb[])
             RETURNING "id", "attemptId", "line"`,
            },
            [
              runId,
              runPlatformId,
              teamId,
              lines.map(({ item }) => item.attemptId),
              lines.map(({ item }) => item.outcome.testName),
              lines.map(({ item }) => item.outcome.rerunReason !== null),
              lines.map(({ item }) => item.outcome.finishedAt.getTime() - item.outcome.startedAt.getTime()),
              lines.map(({ line }) => line.name),
              lines.map(({ line }) => line.status),
              lines.map(({ line }) => line.note),
              lines.map(({ line }) => (line.extra ? JSON.stringify(line.extra) : null)),
              lines.map(({ line }) => line.line),
              lines.map(({ item, line }) => item.signed.get(line.line)?.signature ?? null),
              lines.map(({ item, line }) => {
                const failure = item.signed.get(line.line);
                return failure ? JSON.stringify(failure.evidence) : null;
              }),
            ],
          );
    const resultIds = new Map(results.map((result) => [`${result.attemptId}\0${result.line}`, result.id]));

    const files = toStore.flatMap((item) =>
      item.files.map((file) => {
        const line = owningResultLine(file.path, item.lines);
        return { item, file, resultId: line === null ? null : (resultIds.get(`${item.attemptId}\0${line}`) ?? null) };
      }),
    );
    if (files.length > 0) {
      await connection.query(
        {
          name: 'ingest-insert-artifacts',
          text: `INSERT INTO "Artifact" ("id", "attemptId", "resultId", "path", "size", "sha256", "storageKey")
         SELECT gen_random_uuid()::text, * FROM unnest($1::text[], $2::bigint[], $3::text[], $4::bigint[], $5::text[], $6::text[])`,
        },
        [
          files.map(({ item }) => item.attemptId),
          files.map(({ resultId }) => resultId),
          files.map(({ file }) => file.path),
          files.map(({ file }) => file.size),
          files.map(({ file }) => file.sha256),
          files.map(({ item, file }) => `${item.keyPrefix}/${file.path}`),
        ],
      );
    }

    const finals = toStore.filter(({ outcome }) => outcome.rerunReason === null);
    await recordFinalOutcomes(
      connection,
      { runId, runPlatformId, teamId },
      finals.map(({ outcome, lines: attemptLines }): FinalOutcome => ({
        testName: outcome.testName,
        attempt: outcome.attempt,
        status: overallStatus(attemptLines, outcome),
        exception: outcome.exception,
      })),
    );

    return new Map(
      toStore.map((item) => {
        const byLine = new Map(item.lines.map((line) => [line.line, line]));
        const summary: IngestSummary = {
          testName: item.outcome.testName,
          attempt: item.outcome.attempt,
          status: overallStatus(item.lines, item.outcome),
          results: item.lines.length,
          superseded: item.outcome.rerunReason !== null,
          attemptId: item.attemptId,
          stored: results
            .filter((result) => result.attemptId === item.attemptId)
            .map((result) => ({ id: BigInt(result.id), status: byLine.get(result.line)!.status, note: byLine.get(result.line)!.note })),
        };
        return [item.pending, summary];
      }),
    );
  }

  /** Holds a share lock on the run platform till the transaction ends, so a takeover waits for the write or the write sees it. */
  private async assertHeld(connection: pg.PoolClient): Promise<void> {
    const { runPlatformId, workerId } = this.target;
    if (workerId === undefined) return;
    const { rowCount } = await connection.query(
      { name: 'ingest-hold-platform', text: `SELECT 1 FROM "RunPlatform" WHERE "id" = $1 AND "workerId" = $2 FOR SHARE` },
      [runPlatformId, workerId],
    );
    if (!rowCount) throw new RunPlatformLostError(runPlatformId);
  }
}

/**
 * Runs a transaction again when PostgreSQL ended it as a deadlock victim:
 * writes of several runs lock flakiness rows of the same tests.
 */
async function retryOnDeadlock<T>(transaction: () => Promise<T>, attempts = 5): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await transaction();
    } catch (error) {
      if ((error as { code?: string }).code !== '40P01' || attempt >= attempts) throw error;
    }
  }
}

function overallStatus(lines: readonly ResultLine[], outcome: AttemptOutcome): string {
  const own = lines.findLast((line) => line.name === null);
  if (own) return own.status;
  if (outcome.exception !== null) return 'error';
  return badStatuses.find((status) => lines.some((line) => line.status === status)) ?? (lines.length ? 'pass' : 'error');
}
