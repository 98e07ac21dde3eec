import type PgBoss from 'pg-boss';
import type { Db } from '../db/client';
import { publicUrl } from '../config';
import { resultPath } from '../../shared/result-paths';
import { emitWebhookEvent } from './events';

/** Result statuses that make a run fail. */
const failing = new Set(['fail', 'error']);

async function runLinks(db: Db, runId: string) {
  const run = await db.run.findUniqueOrThrow({
    where: { id: runId },
    select: { id: true, teamId: true, number: true, status: true, plan: true, team: { select: { slug: true } } },
  });
  return { run, url: `${publicUrl()}/t/${encodeURIComponent(run.team.slug)}/runs/${run.number}` };
}

/** One test's result (an attempt of it) in a run, as events name it. */
export interface ResultRef {
  platform: string;
  testName: string;
  attempt: number;
  status: string;
}

function resultFields(run: { number: number; team: { slug: string } }, result: ResultRef) {
  return {
    platform: result.platform,
    test: result.testName,
    attempt: result.attempt,
    status: result.status,
    url: `${publicUrl()}${resultPath(run.team.slug, run.number, result.platform, result.testName, { attempt: result.attempt })}`,
  };
}

/** `run.new-failure`, once per run: its first failing result. */
export async function emitNewFailure(db: Db, boss: PgBoss, runId: string, result: ResultRef): Promise<void> {
  if (!failing.has(result.status)) return;
  const { run, url } = await runLinks(db, runId);
  await emitWebhookEvent(db, boss, {
    teamId: run.teamId,
    type: 'run.new-failure',
    dedupeKey: `run.new-failure:${run.id}`,
    data: { run: { id: run.id, number: run.number, plan: run.plan, url }, result: resultFields(run, result) },
  });
}

/**
 * `known-issue.matched`: a result of a run matched one of the team's known
 * issues. For the known-issues module to call once it has decided a match
 * (from the worker with its pg-boss, or from the web with sharedJobQueue());
 * once per known issue and result attempt, however often it is called.
 */
export async function emitKnownIssueMatched(
  db: Db,
  boss: PgBoss,
  match: { runId: string; result: ResultRef; knownIssue: { id: string; title: string; url: string | null } },
): Promise<void> {
  const { run, url } = await runLinks(db, match.runId);
  const { result, knownIssue } = match;
  await emitWebhookEvent(db, boss, {
    teamId: run.teamId,
    type: 'known-issue.matched',
    dedupeKey: `known-issue.matched:${knownIssue.id}:${run.id}:${JSON.stringify([result.platform, result.testName, result.attempt])}`,
    data: {
      knownIssue: { id: knownIssue.id, title: knownIssue.title, url: knownIssue.url },
      run: { id: run.id, number: run.number, plan: run.plan, url },
      result: resultFields(run, result),
    },
  });
}

/** `run.finished`, once per run, when its last platform has ended. */
export async function emitRunFinishedIfOver(db: Db, boss: PgBoss, runId: string): Promise<void> {
  const { run, url } = await runLinks(db, runId);
  if (run.status === 'queued' || run.status === 'running' || run.status === 'cancelled') return;
  const failed = await db.result.count({ where: { runId, superseded: false, name: null, status: { in: [...failing] } } });
  await emitWebhookEvent(db, boss, {
    teamId: run.teamId,
    type: 'run.finished',
    dedupeKey: `run.finished:${run.id}`,
    data: { run: { id: run.id, number: run.number, plan: run.plan, status: run.status, failedTests: failed, url } },
  });
}
