import { ownResult, type ResultLine } from './results-file';

/** One stored attempt of one test, as the exports see it. */
export interface ExportedAttempt {
  platform: string;
  testName: string;
  attempt: number;
  /** Why this attempt does not count (the test was run again); null for a test's final attempt. */
  rerunReason: string | null;
  exitCode: number | null;
  exception: string | null;
  startedAt: Date;
  finishedAt: Date;
  results: ResultLine[];
  /** Where the test's own output is stored, if anywhere. */
  outputPath: string | null;
  /** Why a failure is expected for now: exported beside the status the test reported. */
  waiver?: { reason: string; expiresAt: string } | null;
}

const statusRank: Record<string, number> = { pass: 0, info: 0, skip: 1, warn: 2, fail: 3, error: 4, infra: 4 };

/** The test's own result status; without one the worst sub-result; without any results what the run says. */
export function attemptStatus(attempt: ExportedAttempt): string {
  const own = ownResult(attempt.results)?.status;
  if (own) return own;
  const statuses = attempt.results.map((result) => result.status).filter((status): status is string => status !== null);
  if (statuses.length > 0)
    return statuses.reduce((worst, status) => ((statusRank[status] ?? 4) > (statusRank[worst] ?? 4) ? status : worst));
  if (attempt.exception !== null) return 'error';
  return attempt.exitCode === 0 ? 'pass' : 'fail';
}
