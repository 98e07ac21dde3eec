/**
 * Test-control stream: the seam between a running test and the executor.
 *
 * The executor owns clocks, process killing and reconnects. This module owns
 * parsing the control stream and writing the attempt's artifacts
 * (`results` as JSON Lines, `files/`, `output.txt`) exactly as atex does.
 *
 * Usage by the executor, per test attempt:
 *   const recorder = await AttemptRecorder.create(artifactsDir, { onDuration, onDisconnect });
 *   // pipe the test's stdout+stderr into a write stream on recorder.outputPath (append)
 *   const end = await recorder.consume(wrapperStdout);   // again after each reboot
 *   const results = await recorder.finish({ exitCode }) // or { abort: 'TestAbortedError(...)' }
 *
 * `consume` never rejects for bad test input: a protocol violation resolves
 * with `{ kind: 'error', message }` and everything written so far is kept.
 */

/** Every bound the control stream is held to; all in bytes except the count. */
export interface ControlLimits {
  /** One control line including its `\n` (atex: 4096). */
  maxLineBytes: number;
  /** The JSON object announced by `result LEN`. */
  maxResultJsonBytes: number;
  /** One announced `files` entry length. */
  maxFileBytes: number;
  /** All bytes read from control streams during one attempt (all reboots together). */
  maxTotalBytes: number;
  /** Partial results held at the same time (distinct `name`s). */
  maxPendingPartials: number;
}

export type DurationChange =
  | { kind: 'set'; seconds: number }
  | { kind: 'add'; seconds: number }
  | { kind: 'save' }
  | { kind: 'restore' };

export interface ControlHandlers {
  /** `duration ...` arrived; for `add`, seconds may be negative. */
  onDuration?(change: DurationChange): void;
  /** `disconnect` arrived: the test is about to reboot; `consume` resolves with `{ kind: 'disconnect' }` right after. */
  onDisconnect?(): void;
  /** A result line was written to `results` (final results only, not held partials). */
  onResult?(result: Record<string, unknown>): void;
}

export type StreamEnd =
  | { kind: 'exitcode'; code: number }
  | { kind: 'disconnect' }
  /** Stream closed without `exitcode` or `disconnect`: an infrastructure failure for the executor. */
  | { kind: 'eof' }
  | { kind: 'error'; message: string };

/** How an attempt ended, for the fallback result. */
export type AttemptEnd = { exitCode: number } | { abort: string };

export { defaultControlLimits } from './limits';
export { AttemptRecorder } from './recorder';
export { parseFmfDuration } from './duration';
