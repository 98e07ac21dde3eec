/** What happened to one test on one platform between a base run and a head run. */
export const compareLists = ['new-failures', 'fixed', 'still-failing', 'missing', 'new-tests', 'slower'] as const;
export type CompareList = (typeof compareLists)[number];

export const compareListTitles: Record<CompareList, string> = {
  'new-failures': 'New failures',
  fixed: 'Fixed',
  'still-failing': 'Still failing',
  missing: 'Missing (not in this run)',
  'new-tests': 'New tests',
  slower: 'Duration regressions',
};

/**
 * A duration regression: the final attempt took at least `ratio` times as
 * long as in the base run, and at least `minSeconds` longer (so that a test
 * going from 0.1 s to 0.3 s is not one).
 */
export const durationRegression = { ratio: 1.5, minSeconds: 2 } as const;

/** Statuses counted as failing when comparing. */
export const failingStatuses = ['fail', 'error'] as const;

export interface CompareRow {
  platform: string;
  testName: string;
  baseStatus: string | null;
  headStatus: string | null;
  baseSeconds: number | null;
  headSeconds: number | null;
  /** The head result's failure signature, when it failed. */
  signature: string | null;
  /** Whether that signature occurs among the base run's failures. */
  signatureInBase: boolean | null;
  /** Whether that signature occurs in the team's earlier runs (before the head run, the base included). */
  signatureSeenBefore: boolean | null;
}

export interface ComparePage {
  rows: CompareRow[];
  /** Pass as `after` (with `list`) for the next page; null on the last one. */
  next: string | null;
}

export interface PlatformCounts {
  platform: string;
  counts: Record<CompareList | 'unchanged', number>;
}

export interface RunComparison {
  head: { number: number; status: string; plan: string; createdAt: string };
  base: { number: number; status: string; plan: string; createdAt: string };
  durationRegression: typeof durationRegression;
  /** Per platform (matched by name), then all platforms together. */
  platforms: PlatformCounts[];
  total: PlatformCounts['counts'];
  /** The first page of every list, or only of the list asked for. */
  lists: Partial<Record<CompareList, ComparePage>>;
}

export function emptyCounts(): PlatformCounts['counts'] {
  return { 'new-failures': 0, fixed: 0, 'still-failing': 0, missing: 0, 'new-tests': 0, slower: 0, unchanged: 0 };
}
