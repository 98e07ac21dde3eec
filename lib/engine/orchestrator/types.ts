import type { Remote } from '../provision/types';

/** What the orchestrator needs to know of one test to schedule it. */
export interface SchedulableTest {
  name: string;
  durationSeconds: number;
  tags: readonly string[];
  /** fmf `extra-priority`: higher runs first. */
  priority: number;
}

/** Runs tests on one remote; the fmf executor implements it. */
export interface TestExecutor {
  setup(): Promise<void>;
  /** Resolves with the exit code when the test ran; rejects when the runner had to end it (the remote is then destroyed). */
  runTest(
    name: string,
    artifactsDir: string,
    options?: { signal?: AbortSignal; onOutput?: (bytes: Buffer) => void },
  ): Promise<{ exitCode: number }>;
  teardown(): Promise<void>;
}

/** How one attempt of one test ended. */
export interface AttemptOutcome {
  testName: string;
  /** 1 for the first attempt, 2 for the first rerun, ... */
  attempt: number;
  remoteId: string;
  artifactsDir: string;
  exitCode: number | null;
  /** The executor's error, e.g. "TestAbortedError(test duration timeout reached)". */
  exception: string | null;
  startedAt: Date;
  finishedAt: Date;
  /** Set when the test goes back to the queue: why this attempt does not count. */
  rerunReason: string | null;
}

/** Stores attempts; must tolerate concurrent calls and the same attempt twice (idempotent). */
export interface Aggregator {
  ingest(outcome: AttemptOutcome): Promise<void>;
}

export type { Remote };
