/** What one provisioning attempt produced: a remote, or why there is none. */
export type Outcome<T> = { kind: 'remote'; remote: T } | { kind: 'failure'; error: Error };

interface Waiter<T> {
  resolve(remote: T): void;
  reject(error: unknown): void;
}

/**
 * Provisioning outcomes in the order they happened, handed to whoever waits
 * in `next()` the moment they arrive (no polling). A waiter that gives up
 * (its signal aborts) leaves the queue, so no outcome is lost to it.
 */
export class OutcomeQueue<T> {
  private readonly outcomes: Outcome<T>[] = [];
  private readonly waiters: Waiter<T>[] = [];
  private closedWith: Error | undefined;

  push(outcome: Outcome<T>): void {
    if (this.closedWith) throw new Error('push on a closed outcome queue');
    const waiter = this.waiters.shift();
    if (!waiter) {
      this.outcomes.push(outcome);
      return;
    }
    if (outcome.kind === 'remote') waiter.resolve(outcome.remote);
    else waiter.reject(outcome.error);
  }

  next(signal?: AbortSignal): Promise<T> {
    if (this.closedWith) return Promise.reject(this.closedWith);
    if (signal?.aborted) return Promise.reject(signal.reason);
    const outcome = this.outcomes.shift();
    if (outcome) return outcome.kind === 'remote' ? Promise.resolve(outcome.remote) : Promise.reject(outcome.error);
    return new Promise<T>((resolve, reject) => {
      const onAbort = () => {
        this.waiters.splice(this.waiters.indexOf(waiter), 1);
        reject(signal?.reason);
      };
      const waiter: Waiter<T> = {
        resolve: (remote) => {
          signal?.removeEventListener('abort', onAbort);
          resolve(remote);
        },
        reject: (error) => {
          signal?.removeEventListener('abort', onAbort);
          reject(error);
        },
      };
      this.waiters.push(waiter);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** Rejects every waiter (and later caller) with `error` and drops what nobody took. */
  close(error: Error): void {
    this.closedWith = error;
    this.outcomes.length = 0;
    for (const waiter of this.waiters.splice(0)) waiter.reject(error);
  }

  get closed(): boolean {
    return this.closedWith !== undefined;
  }
}
