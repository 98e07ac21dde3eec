import { z } from 'zod';
import type { Actor } from '../access/actor';
import { requireTeamRole } from '../access/team-access';
import type { Db } from '../db/client';
import { Prisma } from '../../generated/prisma/client';
import { notFound } from '../errors';
import { findTeamRun } from '../runs/lookup';
import { parseInput } from '../validation';
import { explainSignature, failureStatuses, parseEvidence, type SignatureExplanation } from '../../engine/results/failure-signature';

/** Where a failure with a signature happened. */
export interface FailureExample {
  runNumber: number;
  platform: string;
  testName: string;
}

export interface FailureGroup {
  signature: string;
  count: number;
  example: FailureExample;
  /** The example's evidence, normalised; null when the stored evidence is unreadable. */
  explanation: SignatureExplanation | null;
}

export interface RunFailureGroups {
  /** Failing final results of the run (the tests' own results). */
  failures: number;
  /** Distinct signatures among them. */
  causes: number;
  /** The largest groups first, at most `limit`. */
  groups: FailureGroup[];
}

const groupsQuery = z.object({ limit: z.coerce.number().int().min(1).max(500).default(50) });

/** A run's failing tests grouped by signature (viewer), largest group first, each with an example's evidence. */
export async function runFailureGroups(
  db: Db,
  actor: Actor,
  teamSlug: string,
  runRef: string,
  query: Record<string, string>,
): Promise<RunFailureGroups> {
  const { limit } = parseInput(groupsQuery, query, 'query');
  const run = await findTeamRun(db, actor, teamSlug, runRef, 'viewer');
  const rows = await db.$queryRaw<{ signature: string | null; count: number; exampleId: bigint; total: number; causes: number }[]>`
    SELECT "signature", count(*)::int AS "count", min("id") AS "exampleId",
           (sum(count(*)) OVER ())::int AS "total", (count(*) OVER ())::int AS "causes"
    FROM "Result"
    WHERE "runId" = ${run.id} AND "superseded" = false AND "name" IS NULL AND "status" IN (${Prisma.join(failureStatuses)})
    GROUP BY "signature"
    ORDER BY count(*) DESC, "signature"
    LIMIT ${limit}`;
  const examples = await loadExamples(
    db,
    rows.map((row) => row.exampleId),
  );
  return {
    failures: rows[0]?.total ?? 0,
    causes: rows[0]?.causes ?? 0,
    groups: rows.map((row) => {
      const example = examples.get(row.exampleId)!;
      return {
        // Results stored before signatures existed have none; they form one group.
        signature: row.signature ?? 'none',
        count: row.count,
        example: example.where,
        explanation: example.explanation,
      };
    }),
  };
}

export interface SignatureOccurrences {
  signature: string;
  /** Failures with the signature over all the team's runs. */
  failures: number;
  runs: number;
  /** The newest failure's evidence, normalised. */
  explanation: SignatureExplanation | null;
  /** Newest run first, at most `limit`. */
  occurrences: { runNumber: number; runStatus: string; createdAt: string; count: number; example: FailureExample }[];
}

const signatureParam = z.string().regex(/^[0-9a-f]{16}$/, 'a signature: 16 lowercase hex characters');
const occurrencesQuery = z.object({ limit: z.coerce.number().int().min(1).max(500).default(100) });

/** Where a signature occurred across the team's runs (viewer), counted per run. */
export async function signatureOccurrences(
  db: Db,
  actor: Actor,
  teamSlug: string,
  signatureText: string,
  query: Record<string, string>,
): Promise<SignatureOccurrences> {
  const signature = parseInput(signatureParam, signatureText, 'signature');
  const { limit } = parseInput(occurrencesQuery, query, 'query');
  const { team } = await requireTeamRole(db, actor, teamSlug, 'viewer');
  const rows = await db.$queryRaw<{ runId: string; count: number; exampleId: bigint; failures: number; runs: number; newestId: bigint }[]>`
    SELECT "runId", count(*)::int AS "count", min("id") AS "exampleId",
           (sum(count(*)) OVER ())::int AS "failures", (count(*) OVER ())::int AS "runs", max(max("id")) OVER () AS "newestId"
    FROM "Result"
    WHERE "teamId" = ${team.id} AND "signature" = ${signature} AND "superseded" = false
    GROUP BY "runId"
    ORDER BY max("createdAt") DESC
    LIMIT ${limit}`;
  if (rows.length === 0) throw notFound('signature');
  const runs = await db.run.findMany({
    where: { id: { in: rows.map((row) => row.runId) } },
    select: { id: true, number: true, status: true, createdAt: true },
  });
  const runById = new Map(runs.map((run) => [run.id, run]));
  const examples = await loadExamples(db, [...rows.map((row) => row.exampleId), rows[0]!.newestId]);
  return {
    signature,
    failures: rows[0]!.failures,
    runs: rows[0]!.runs,
    explanation: examples.get(rows[0]!.newestId)!.explanation,
    occurrences: rows.map((row) => {
      const run = runById.get(row.runId)!;
      return {
        runNumber: run.number,
        runStatus: run.status,
        createdAt: run.createdAt.toISOString(),
        count: row.count,
        example: examples.get(row.exampleId)!.where,
      };
    }),
  };
}

/** The signature of one result, explained from its stored evidence; null when it has none. */
export async function resultSignature(db: Db, resultId: string): Promise<SignatureExplanation | null> {
  const result = await db.result.findUnique({ where: { id: BigInt(resultId) }, select: { evidence: true } });
  const evidence = parseEvidence(result?.evidence ?? null);
  return evidence ? explainSignature(evidence) : null;
}

async function loadExamples(
  db: Db,
  ids: bigint[],
): Promise<Map<bigint, { where: FailureExample; explanation: SignatureExplanation | null }>> {
  const results = await db.result.findMany({
    where: { id: { in: ids } },
    select: { id: true, testName: true, evidence: true, run: { select: { number: true } }, runPlatform: { select: { name: true } } },
  });
  return new Map(
    results.map((result) => {
      const evidence = parseEvidence(result.evidence);
      return [
        result.id,
        {
          where: { runNumber: result.run.number, platform: result.runPlatform.name, testName: result.testName },
          explanation: evidence ? explainSignature(evidence) : null,
        },
      ];
    }),
  );
}
