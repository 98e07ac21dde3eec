/** The message of anything thrown: an Error's message, or the thrown value as text. */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * `.catch(ignoreCleanupFailure)` on a best-effort cleanup (close, remove,
 * release) whose failure changes nothing: its target may already be gone, and
 * the caller is on its way out, often already reporting a first error.
 */
export function ignoreCleanupFailure(): void {}

/**
 * `promise.catch(awaitedLater)`: someone awaits this promise later and sees
 * its rejection then; until then, Node must not report it as unhandled.
 */
export function awaitedLater(): void {}
