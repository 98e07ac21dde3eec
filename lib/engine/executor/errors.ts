/** Something outside the test broke the attempt: the fallback result says `infra`. */
export class ExecutorError extends Error {
  override name = 'ExecutorError';
}

/** Preparing the remote (plan prepare, test require) failed. */
export class TestSetupError extends ExecutorError {
  override name = 'TestSetupError';
}

/** The attempt was ended by the runner: timeout, cancel, connection lost, wrapper failure. */
export class TestAbortedError extends ExecutorError {
  override name = 'TestAbortedError';

  /** `systemFailed`: the system broke (connection lost, no return from a reboot), not the test or the runner's cancel. */
  constructor(
    message: string,
    readonly systemFailed = false,
  ) {
    super(message);
  }
}

/** The test broke the control-stream protocol; everything written before is kept. */
export class ControlStreamError extends ExecutorError {
  override name = 'ControlStreamError';

  /** `note`: how the result names the problem (atex's exception class, e.g. `BadReportJSONError(...)`). */
  constructor(
    message: string,
    readonly note: string,
  ) {
    super(message);
  }
}

/** How atex names an exception in a result note: `TestAbortedError(test duration timeout reached)`. */
export function noteFor(error: Error): string {
  if (error instanceof ControlStreamError) return error.note;
  return `${error.name}(${error.message})`;
}

/**
 * Whether an attempt's error is its system's failure, as infrastructure
 * health counts them: a set-up that failed, a connection lost, a reboot the
 * system did not come back from, or any error from below the executor (the
 * connection, the agent). Not the test's own doing (its duration timeout, a
 * bad control line), a cancel, or the runner's misuse of the executor.
 */
export function isSystemFailure(error: unknown): boolean {
  if (error instanceof TestSetupError) return true;
  if (error instanceof TestAbortedError) return error.systemFailed;
  return !(error instanceof ExecutorError);
}
