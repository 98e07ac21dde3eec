/**
 * How a run's outcome of a test is kept in TestFlakiness.recent: one letter
 * per run, upper case when that run was a flaky event (failed then passed on
 * a rerun, or a different outcome than the previous run at the same commit).
 */
export type OutcomeLetter = 'p' | 'f' | 's' | 'e';

/** Runs kept per test and platform: "flaky: 7 of last 30". */
export const flakinessWindow = 30;

const passing = new Set(['pass', 'info']);

/** p passed, s skipped, e an infrastructure error (the executor raised), f anything else. */
export function outcomeLetter(status: string, infrastructureError: boolean): OutcomeLetter {
  if (infrastructureError) return 'e';
  if (passing.has(status)) return 'p';
  if (status === 'skip') return 's';
  return 'f';
}

export interface FlakinessFlag {
  /** Flaky events among the last `of` runs. */
  flaky: number;
  of: number;
}

export function flakinessFlag(recent: string): FlakinessFlag {
  return { flaky: [...recent].filter((char) => char !== char.toLowerCase()).length, of: recent.length };
}
