import type { DurationChange } from '../control';

/**
 * The time a test attempt may still take, changed by the control stream's
 * `duration` words. As in atex, only the outermost `save` and the matching
 * last `restore` count, so nested helpers can bracket their work safely.
 */
export class Deadline {
  private endsAt: number;
  private savedRemainingMs: number | undefined;
  private saveDepth = 0;
  private timer: NodeJS.Timeout | undefined;
  private expire!: () => void;
  /** Settles when the time runs out (it stays unsettled if it never does). */
  readonly expired: Promise<void>;

  constructor(seconds: number) {
    this.expired = new Promise((resolve) => {
      this.expire = resolve;
    });
    this.endsAt = performance.now() + seconds * 1000;
    this.schedule();
  }

  remainingMs(): number {
    return Math.max(0, this.endsAt - performance.now());
  }

  apply(change: DurationChange): void {
    const now = performance.now();
    switch (change.kind) {
      case 'set':
        this.endsAt = now + change.seconds * 1000;
        break;
      case 'add':
        this.endsAt += change.seconds * 1000;
        break;
      case 'save':
        if (this.saveDepth++ === 0) this.savedRemainingMs = this.endsAt - now;
        break;
      case 'restore':
        if (this.saveDepth > 1) this.saveDepth--;
        else if (this.saveDepth === 1 && this.savedRemainingMs !== undefined) {
          this.endsAt = now + this.savedRemainingMs;
          this.saveDepth = 0;
          this.savedRemainingMs = undefined;
        }
        break;
    }
    this.schedule();
  }

  dispose(): void {
    clearTimeout(this.timer);
  }

  private schedule(): void {
    clearTimeout(this.timer);
    // setTimeout cannot wait longer than about 24 days; longer limits re-arm
    const longestTimerMs = 2 ** 31 - 1;
    this.timer = setTimeout(
      () => {
        if (this.remainingMs() > 0) this.schedule();
        else this.expire();
      },
      Math.min(this.remainingMs(), longestTimerMs),
    );
  }
}
