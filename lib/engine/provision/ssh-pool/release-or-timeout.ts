import type { HostLeases } from './host-leases';
import { awaitedLater } from '../../../shared/errors';

export interface PendingWake {
  /** Resolves when a lease of the platform ended in this process or `timeoutMs` passed; rejects when the signal aborts. */
  readonly woken: Promise<void>;
  cancel(): void;
}

/**
 * Starts listening before the caller tries to acquire, so a release that
 * happens between a failed acquire and the wait is not missed.
 */
export function wakeOnReleaseOrTimeout(leases: HostLeases, platformId: string, timeoutMs: number, signal: AbortSignal): PendingWake {
  let cleanup = () => {};
  const woken = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(finish, timeoutMs);
    const unsubscribe = leases.onRelease(platformId, finish);
    const onAbort = () => {
      cleanup();
      reject(signal.reason);
    };
    signal.addEventListener('abort', onAbort, { once: true });
    cleanup = () => {
      clearTimeout(timer);
      unsubscribe();
      signal.removeEventListener('abort', onAbort);
    };
    function finish() {
      cleanup();
      resolve();
    }
  });
  // a wake nobody awaits (the acquire succeeded) must not become an unhandled rejection
  woken.catch(awaitedLater);
  return { woken, cancel: () => cleanup() };
}
