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
