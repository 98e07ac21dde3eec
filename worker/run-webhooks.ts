import type PgBoss from 'pg-boss';
import type { Db } from '../lib/server/db/client';
import { publicUrl } from '../lib/server/http/origins';
import { emitWebhookEvent } from '../lib/server/webhooks/events';
import { resultPath } from '../lib/shared/result-paths';

/** Result statuses that make a run fail. */
const failing = new Set(['fail', 'error']);

async function runLinks(db: Db, runId: string) {
  const run = await db.run.findUniqueOrThrow({
    where: { id: runId },
    select: { id: true, teamId: true, number: true, status: true, plan: true, team: { select: { slug: true } } },
  });
  return { run, url: `${publicUrl()}/t/${encodeURIComponent(run.team.slug)}/runs/${run.number}` };
}

/** `run.new-failure`, once per run: its first failing result. */
export async function emitNewFailure(
  db: Db,
  boss: PgBoss,
  runId: string,
  result: { platform: string; testName: string; attempt: number; status: string },
): Promise<void> {
  if (!failing.has(result.status)) return;
  const { run, url } = await runLinks(db, runId);
  await emitWebhookEvent(db, boss, {
    teamId: run.teamId,
    type: 'run.new-failure',
    dedupeKey: `run.new-failure:${run.id}`,
    data: {
      run: { id: run.id, number: run.number, plan: run.plan, url },
      result: {
        platform: result.platform,
        test: result.testName,
        attempt: result.attempt,
        status: result.status,
        url: `${publicUrl()}${resultPath(run.team.slug, run.number, result.platform, result.testName, { attempt: result.attempt })}`,
      },
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
