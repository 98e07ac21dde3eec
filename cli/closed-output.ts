/**
 * When the reader of the CLI's output goes away (`testyard fmf tests | head -1`),
 * other Unix tools die of SIGPIPE. Node ignores that signal and reports EPIPE
 * as a stream error instead, which would end in a stack trace. Here the process
 * ends quietly with the status a shell shows for SIGPIPE (128 + 13) — at once,
 * or, when a command holds systems it must give back (`testyard run`), after
 * that command was told and has cleaned up, writing nothing more.
 */
export const closedOutputExitCode = 141;

const listeners = new Set<() => void>();
let closed = false;

/** Installs the handling on stdout and stderr; call once per process. */
export function watchForClosedOutput(): void {
  for (const stream of [process.stdout, process.stderr]) stream.on('error', onStreamError);
}

/** Calls `listener` instead of exiting when the output is closed; returns the function that stops it. */
export function onOutputClosed(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export function outputWasClosed(): boolean {
  return closed;
}

function onStreamError(error: NodeJS.ErrnoException): void {
  // Writes after the first failure find the stream destroyed.
  if (error.code !== 'EPIPE' && error.code !== 'ERR_STREAM_DESTROYED') throw error;
  if (closed) return;
  closed = true;
  if (listeners.size === 0) process.exit(closedOutputExitCode);
  for (const listener of listeners) listener();
}
