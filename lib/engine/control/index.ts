/**
 * Test-control stream: the seam between a running test and the executor.
 *
 * The executor owns clocks, process killing and reconnects. This module owns
 * parsing the control stream (docs/TEST_CONTROL.md, which restates atex's
 * protocol) and writing the attempt's artifacts exactly as atex does:
 * `results` (JSON Lines) and `files/`.
 *
 * Per test attempt the executor does:
 *
 *   const recorder = await AttemptRecorder.create(artifactsDir, { onDuration, onDisconnect });
 *   // append the test's stdout+stderr to recorder.outputPath while it runs
 *   let end = await recorder.consume(wrapperStdout);
 *   // end.kind === 'disconnect': reconnect, restart the test, consume() the new stream (state carries over)
 *   // end.kind === 'exitcode':   the wrapper reported the test's exit code; the stream reached EOF
 *   // end.kind === 'eof':        no `exitcode` — an infrastructure failure, abort
 *   // end.kind === 'error':      the test broke the protocol; kill it and abort with end.note
 *   await recorder.finish({ exitCode }); // or { abort: 'TestAbortedError(test duration timeout reached)' }
 *   const results = await recorder.readResults(); // if wanted: they are in `results`
 *
 * `consume` never rejects because of what the test sent; it rejects only on
 * misuse (called concurrently or after `finish`). When it resolves it has
 * stopped reading and released the stream (an unfinished stream is destroyed,
 * so a test looping on `noop` after `disconnect` sees EPIPE). The executor may
 * destroy the stream itself to stop reading (e.g. the wrapper exited but a
 * stray process still holds the pipe): that counts as the end of the stream.
 *
 * After an `error`, nothing more from the test is trusted: further `consume`
 * calls return the same error without reading, and `finish` writes the
 * fallback as `infra` with the error's note (`BadControlError(...)` or
 * `BadReportJSONError(...)`, as atex) whatever it is given, except when the
 * error only says the stream was cut short (EOF mid-line or mid-data, a read
 * failure) and `finish` gets an `abort`: the runner's reason (say, the
 * duration timeout that made it kill the test) is then the note.
 */

/** Every bound the control stream is held to; all in bytes except the count. */
export interface ControlLimits {
  /** One control line including its `\n` (atex: 4096). */
  maxLineBytes: number;
  /** The JSON announced by `result LEN`; also bounds a held partial result as written out. */
  maxResultJsonBytes: number;
  /** One `files` entry's announced length. */
  maxFileBytes: number;
  /** Everything read from the control streams of one attempt (all reboots together). */
  maxTotalBytes: number;
  /** Partial results held at the same time (distinct `name`s). */
  maxPendingPartials: number;
}

export type DurationChange =
  /** `duration 15m`: new limit, clock restarts. */
  | { kind: 'set'; seconds: number }
  /** `duration +60` / `duration -30`: move the limit, clock keeps running; seconds may be negative. */
  | { kind: 'add'; seconds: number }
  | { kind: 'save' }
  | { kind: 'restore' };

export interface ControlHandlers {
  onDuration?(change: DurationChange): void;
  /** `disconnect` arrived; `consume` resolves with `{ kind: 'disconnect' }` right after. */
  onDisconnect?(): void;
  /** A line was written to `results` (held partial results only when they are written out). */
  onResult?(result: Record<string, unknown>): void;
}

export type StreamEnd =
  /** EOF after `exitcode N` (the last one wins). */
  | { kind: 'exitcode'; code: number }
  | { kind: 'disconnect' }
  /** EOF without `exitcode` or `disconnect`: an infrastructure failure. */
  | { kind: 'eof' }
  /**
   * The stream broke the protocol or a limit. `message` names the problem;
   * `note` is the atex-style fallback note, e.g. `BadControlError(unknown control word: foo)`.
   */
  | { kind: 'error'; message: string; note: string };

/**
 * How the attempt ended: the test's exit code, or the note for an attempt the
 * runner cut short (e.g. `TestAbortedError(test duration timeout reached)`).
 */
export type AttemptEnd = { exitCode: number } | { abort: string };

export { defaultControlLimits, resolveControlLimits } from './limits';
export { AttemptRecorder } from './recorder';
export type { ControlSource } from './control-reader';
