import { z } from 'zod';
import type { Actor } from '../access/actor';
import { recordAudit } from '../audit/audit-log';
import type { Db } from '../db/client';
import { invalid } from '../errors';
import type { TriageServices } from '../known-issues/known-issues';
import { recordRunEvents } from '../runs/events';
import { findTeamRun } from '../runs/lookup';
import { parseInput } from '../validation';
import { ActiveWaivers } from '../waivers/waivers';
import {
  failureStatuses,
  triageStates,
  type KnownIssueLabel,
  type ResultTriage,
  type TriageState,
  type TriageSummary,
} from '../../shared/triage';

/** A test's final result on a platform, as triage sees it. */
export interface TriagedResult {
  resultId: string;
  platform: string;
  testName: string;
  status: string;
  triage: ResultTriage;
}

interface ResultKey {
  id: bigint;
  platform: string;
  testName: string;
  status: string;
}

/**
 * How each of these results (a run's final own results) stands: the state a
 * person set, else waived (an unexpired waiver covers it), else known-issue
 * (a known issue labelled it or one of its sub-results), else new. Waivers
 * are evaluated now, so one that expired stops applying without any job.
 */
export async function triageOf(
  db: Db,
  run: { id: string; teamId: string },
  results: readonly ResultKey[],
  at = new Date(),
): Promise<Map<bigint, ResultTriage>> {
  const triaged = new Map<bigint, ResultTriage>();
  if (results.length === 0) return triaged;
  const ids = results.map((result) => result.id);
  const [waivers, explicit, matches] = await Promise.all([
    ActiveWaivers.load(db, run.teamId, at),
    db.resultTriage.findMany({ where: { resultId: { in: ids } }, select: { resultId: true, state: true, byId: true } }),
    db.knownIssueMatch.findMany({
      where: { runId: run.id, result: { superseded: false } },
      orderBy: { id: 'asc' },
      select: {
        field: true,
        line: true,
        excerpt: true,
        knownIssue: { select: { id: true, title: true, url: true } },
        result: { select: { testName: true, runPlatform: { select: { name: true } }, attempt: { select: { number: true } } } },
      },
    }),
  ]);
  const people = new Map(
    (
      await db.user.findMany({
        where: { id: { in: explicit.flatMap((row) => (row.byId ? [row.byId] : [])) } },
        select: { id: true, name: true },
      })
    ).map((user) => [user.id, user]),
  );
  const explicitById = new Map(explicit.map((row) => [row.resultId, row]));
  const labels = new Map<string, KnownIssueLabel[]>();
  for (const match of matches) {
    const key = `${match.result.runPlatform.name}\0${match.result.testName}`;
    const list = labels.get(key) ?? [];
    if (list.some((label) => label.id === match.knownIssue.id)) continue;
    list.push({
      ...match.knownIssue,
      field: match.field as KnownIssueLabel['field'],
      line: match.line,
      excerpt: match.excerpt,
      attempt: match.result.attempt.number,
    });
    labels.set(key, list);
  }
  for (const result of results) {
    const waiver = waivers.find(result.testName, result.platform, result.status);
    const knownIssues = labels.get(`${result.platform}\0${result.testName}`) ?? [];
    const set = explicitById.get(result.id);
    const state: TriageState = (set?.state as TriageState | undefined) ?? (waiver ? 'waived' : knownIssues.length ? 'known-issue' : 'new');
    triaged.set(result.id, { state, by: set?.byId ? (people.get(set.byId) ?? null) : null, waiver, knownIssues });
  }
  return triaged;
}

/** Every failure of the run (final own results that failed) with how it stands. */
export async function runFailures(db: Db, run: { id: string; teamId: string }, at = new Date()): Promise<TriagedResult[]> {
  const rows = await db.result.findMany({
    where: { runId: run.id, superseded: false, name: null, status: { in: [...failureStatuses] } },
    orderBy: [{ testName: 'asc' }, { id: 'asc' }],
    select: { id: true, testName: true, status: true, runPlatform: { select: { name: true } } },
  });
  const keys = rows.map((row) => ({ id: row.id, testName: row.testName, status: row.status, platform: row.runPlatform.name }));
  const triaged = await triageOf(db, run, keys, at);
  return keys.map((key) => ({
    resultId: key.id.toString(),
    platform: key.platform,
    testName: key.testName,
    status: key.status,
    triage: triaged.get(key.id)!,
  }));
}

export function summarize(failures: readonly TriagedResult[]): TriageSummary {
  const byState = Object.fromEntries(triageStates.map((state) => [state, 0])) as Record<TriageState, number>;
  for (const failure of failures) byState[failure.triage.state]++;
  return {
    failures: failures.length,
    triaged: failures.length - byState.new,
    waived: failures.filter((failure) => failure.triage.waiver !== null).length,
    byState,
  };
}

export async function getRunTriage(
  db: Db,
  actor: Actor,
  teamSlug: string,
  runRef: string,
): Promise<{ summary: TriageSummary; failures: TriagedResult[] }> {
  const run = await findTeamRun(db, actor, teamSlug, runRef, 'viewer');
  const failures = await runFailures(db, run);
  return { summary: summarize(failures), failures };
}

const triageInput = z.object({ state: z.enum(triageStates) }).strict();

/** A member sets how a failure of the run stands; everyone watching the run sees it at once. */
export async function setTriageState(
  db: Db,
  actor: Actor,
  teamSlug: string,
  runRef: string,
  resultRef: string,
  input: unknown,
  services: TriageServices = {},
): Promise<TriagedResult> {
  const run = await findTeamRun(db, actor, teamSlug, runRef, 'member');
  const { state } = parseInput(triageInput, input, 'triage');
  const notAFailure = () =>
    invalid('result: not a failure of this run (a final result of a test that failed)', [
      { path: 'result', message: 'not a failure of this run' },
    ]);
  if (!/^\d{1,18}$/.test(resultRef)) throw notAFailure();
  const result = await db.result.findFirst({
    where: { id: BigInt(resultRef), runId: run.id, superseded: false, name: null, status: { in: [...failureStatuses] } },
    select: { id: true, testName: true, status: true, runPlatform: { select: { name: true } } },
  });
  if (!result) throw notAFailure();
  const platform = result.runPlatform.name;
  await db.$transaction(async (tx) => {
    const before = await tx.resultTriage.findUnique({ where: { resultId: result.id }, select: { state: true } });
    await tx.resultTriage.upsert({
      where: { resultId: result.id },
      create: { resultId: result.id, runId: run.id, state, byId: actor.userId },
      update: { state, byId: actor.userId },
    });
    await recordAudit(tx, {
      teamId: run.teamId,
      actorId: actor.userId,
      action: 'triage.changed',
      subjectType: 'result',
      subjectId: result.id.toString(),
      details: { run: run.number, platform, test: result.testName, from: before?.state ?? null, to: state },
    });
  });
  const user = await db.user.findUnique({ where: { id: actor.userId }, select: { name: true } });
  await recordRunEvents(
    db,
    run.id,
    [{ type: 'result.triaged', platform, test: result.testName, resultId: result.id.toString(), state, by: user?.name ?? null }],
    services.live,
  );
  const triaged = await triageOf(db, run, [{ id: result.id, testName: result.testName, status: result.status, platform }]);
  return { resultId: result.id.toString(), platform, testName: result.testName, status: result.status, triage: triaged.get(result.id)! };
}
