import type PgBoss from 'pg-boss';
import type { Db } from '../db/client';
import type { RunEvent } from '../../shared/events/catalogue';
import { messageOf } from '../../shared/errors';
import { emitKnownIssueMatched } from '../webhooks/run-events';
import type { MatchReason } from './matcher';

/** A run event and the run it belongs to. */
export interface RunLabelEvent {
  runId: string;
  event: RunEvent;
}

/** A failure a known issue has just been found to explain. */
export interface KnownIssueMatched {
  runId: string;
  platform: string;
  testName: string;
  attempt: number;
  status: string;
  resultId: bigint;
  issue: { id: string; title: string; url: string };
  reason: MatchReason;
}

/**
 * The one place a new known-issue match is announced, whether found while a
 * test is stored by a worker or when an issue is created or edited: it queues
 * the team's `known-issue.matched` webhooks and returns the run events (with
 * their runs) that label the failure live. A webhook that cannot be queued is
 * logged; the label stands.
 */
export async function knownIssueMatched(db: Db, queue: PgBoss, matches: readonly KnownIssueMatched[]): Promise<RunLabelEvent[]> {
  for (const match of matches) {
    const result = { platform: match.platform, testName: match.testName, attempt: match.attempt, status: match.status };
    await emitKnownIssueMatched(db, queue, { runId: match.runId, result, knownIssue: match.issue }).catch((error: unknown) =>
      console.error(`known issue ${match.issue.id}: queueing its webhooks failed: ${messageOf(error)}`),
    );
  }
  return matches.map((match) => ({
    runId: match.runId,
    event: {
      type: 'result.labelled',
      platform: match.platform,
      test: match.testName,
      attempt: match.attempt,
      resultId: match.resultId.toString(),
      issue: match.issue,
      match: { field: match.reason.field, line: match.reason.field === 'output' ? match.reason.line : null, excerpt: match.reason.excerpt },
    },
  }));
}
