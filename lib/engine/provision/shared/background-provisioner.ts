import { ProvisionError, type Provisioner } from '../types';
import type { ManagedRemote } from './managed-remote';
import { OutcomeQueue } from './outcome-queue';
import { ignoreCleanupFailure, messageOf } from '../../../shared/errors';

/**
 * The bookkeeping every provisioner shares: `provision(n)` starts n
 * independent attempts of `bringUp()` in the background, their outcomes reach
 * `getRemote()` callers as they happen, and `stop()` aborts the attempts still
 * running and releases every remote that is queued or was handed out.
 */
export abstract class BackgroundProvisioner<R extends ManagedRemote> implements Provisioner {
  abstract readonly label: string;
  private readonly outcomes = new OutcomeQueue<R>();
  private readonly attempts = new Map<AbortController, Promise<void>>();
  /** Remotes brought up and not released yet, whether queued or handed out. */
  private readonly live = new Set<R>();
  private stopping: Promise<void> | undefined;

  async start(): Promise<void> {}

  /**
   * Brings up one system. Must honour `signal` and, when it fails or is
   * aborted, leave nothing behind (cancel, remove what it created).
   */
  protected abstract bringUp(signal: AbortSignal): Promise<R>;

  provision(count: number): void {
    if (this.stopping) return;
    for (let i = 0; i < count; i++) this.startAttempt();
  }

  getRemote(signal?: AbortSignal): Promise<R> {
    return this.outcomes.next(signal);
  }

  stop(): Promise<void> {
    this.stopping ??= this.stopEverything();
    return this.stopping;
  }

  private startAttempt(): void {
    const controller = new AbortController();
    const attempt = this.bringUp(controller.signal).then(
      (remote) => this.accept(remote),
      (error: unknown) => {
        if (!this.outcomes.closed) this.outcomes.push({ kind: 'failure', error: this.asProvisionError(error) });
      },
    );
    this.attempts.set(
      controller,
      attempt.finally(() => this.attempts.delete(controller)),
    );
  }

  private async accept(remote: R): Promise<void> {
    if (this.stopping) {
      await remote.release().catch(ignoreCleanupFailure);
      return;
    }
    this.live.add(remote);
    remote.onRelease(() => this.live.delete(remote));
    this.outcomes.push({ kind: 'remote', remote });
  }

  private asProvisionError(error: unknown): ProvisionError {
    if (error instanceof ProvisionError) return error;
    const message = messageOf(error);
    return new ProvisionError(`${this.label}: ${message}`, { cause: error });
  }

  private async stopEverything(): Promise<void> {
    const stopped = new ProvisionError(`${this.label}: the provisioner was stopped`);
    // the remotes nobody took are still in `live` and get released below
    this.outcomes.close(stopped);
    for (const controller of this.attempts.keys()) controller.abort(stopped);
    await Promise.all(this.attempts.values());
    await Promise.allSettled([...this.live].map((remote) => remote.release()));
  }
}
