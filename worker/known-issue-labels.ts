import type PgBoss from 'pg-boss';
import { messageOf } from '../lib/shared/errors';
import type { ArtifactStore } from '../lib/server/artifacts/store';
import type { Db } from '../lib/server/db/client';
import type { RunEvent } from '../lib/shared/events/catalogue';
import { knownIssuesFor, labelFailures } from '../lib/server/known-issues/labels';
import type { IngestSummary } from './aggregator';

/**
 * Labels stored attempts' failures with the team's known issues as soon as
 * they are stored, so they show labelled while the run goes on. Issues are
 * read for each batch of attempts stored: one created a moment ago applies
 * to the next failure. A problem here is logged and never fails the ingest.
 */
export async function labelIngestedFailures(
  db: Db,
  store: ArtifactStore,
  queue: PgBoss,
  run: { runId: string; teamId: string; platform: string },
  summaries: readonly IngestSummary[],
): Promise<RunEvent[]> {
  try {
    const statuses = new Set(summaries.flatMap((summary) => summary.stored.map((result) => result.status)));
    const issues = await knownIssuesFor(db, run.teamId, [...statuses]);
    const labelled = await labelFailures(
      db,
      store,
      queue,
      issues,
      summaries.flatMap((summary) =>
        summary.stored.map((result) => ({
          resultId: result.id,
          runId: run.runId,
          attemptId: summary.attemptId,
          platform: run.platform,
          testName: summary.testName,
          attempt: summary.attempt,
          status: result.status,
          note: result.note,
        })),
      ),
    );
    return labelled.map((label) => label.event);
  } catch (error) {
    console.error(
      `worker: labelling ${summaries.map((summary) => summary.testName).join(', ')} with known issues failed: ${messageOf(error)}`,
    );
    return [];
  }
}
