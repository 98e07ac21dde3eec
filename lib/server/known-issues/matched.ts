import type { RunEvent } from '../../shared/events/catalogue';
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
  resultId: bigint;
  issue: { id: string; title: string; url: string };
  reason: MatchReason;
}

/**
 * The one place a new known-issue match is announced, whether found while a
 * test is stored by a worker or when an issue is created or edited: it
 * returns the run events (with their runs) that label the failure live. (Further announcements
 * of a match, such as a team's webhooks, belong here too.)
 */
export function knownIssueMatched(matches: readonly KnownIssueMatched[]): RunLabelEvent[] {
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
