/**
 * atex's two error classes for a misbehaving test: `BadControlError` for the
 * stream itself, `BadReportJSONError` for the content of a `result`. The class
 * name ends up in the fallback result's note, e.g. `BadControlError(...)`.
 */
export type ControlErrorName = 'BadControlError' | 'BadReportJSONError';

export class ControlError extends Error {
  constructor(
    readonly errorName: ControlErrorName,
    message: string,
    /** The stream ended early (mid-line, mid-JSON, mid-file): when the runner killed the test, that is why. */
    readonly streamCut = false,
  ) {
    super(message);
  }

  /** The note atex writes into the fallback result for this error. */
  get note(): string {
    return `${this.errorName}(${this.message})`;
  }
}

export const badControl = (message: string) => new ControlError('BadControlError', message);
export const badReport = (message: string) => new ControlError('BadReportJSONError', message);
export const streamCut = (message: string) => new ControlError('BadControlError', message, true);
