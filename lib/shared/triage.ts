/** A failure's triage state; without one set by a person it follows from waivers and known issues. */
export const triageStates = ['new', 'investigating', 'known-issue', 'waived', 'fixed'] as const;
export type TriageState = (typeof triageStates)[number];

/** Result statuses that are failures to triage (and that waivers apply to). */
export const failureStatuses: readonly string[] = ['fail', 'error'];

export interface WaiverLabel {
  id: string;
  reason: string;
  expiresAt: string;
}

export interface KnownIssueLabel {
  id: string;
  title: string;
  url: string;
  /** What matched: test (name, platform and status alone), note, or output (then `line`, from 1, in the test's output). */
  field: 'test' | 'note' | 'output';
  line: number | null;
  excerpt: string;
  /** The attempt whose output matched, for the link to its line. */
  attempt: number;
}

/** How a failure stands: its state, who set it (null when it follows from a waiver or a known issue), and why. */
export interface ResultTriage {
  state: TriageState;
  by: { id: string; name: string } | null;
  waiver: WaiverLabel | null;
  knownIssues: KnownIssueLabel[];
}

/** Counts for the run page's "3 failures, 2 triaged". */
export interface TriageSummary {
  failures: number;
  /** Failures whose state is not `new`. */
  triaged: number;
  /** Failures an unexpired waiver covers: a run whose failures are all waived counts as passed for `testyard api run`. */
  waived: number;
  byState: Record<TriageState, number>;
}
