/**
 * Gathers items for one writer and hands them over in batches: the first
 * item waits `batchMs` for others to share its write, and whatever arrives
 * while a write is in flight goes into the next one, in order. `write` must
 * handle its own failures (it is never retried here).
 */
export class WriteBatches<T> {
  private queue: T[] = [];
  private timer: NodeJS.Timeout | undefined;
  private writing: Promise<void> | undefined;

  constructor(
    private readonly write: (batch: T[]) => Promise<void>,
    private readonly batchMs: number,
  ) {}

  add(item: T): void {
    this.queue.push(item);
    if (this.timer || this.writing) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.startWriting();
    }, this.batchMs);
  }

  /** Resolves once everything added so far is written. */
  async flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.startWriting();
    while (this.writing) await this.writing;
  }

  private startWriting(): void {
    if (this.writing || this.queue.length === 0) return;
    this.writing = (async () => {
      try {
        while (this.queue.length > 0) {
          const batch = this.queue;
          this.queue = [];
          await this.write(batch);
        }
      } finally {
        this.writing = undefined;
      }
    })();
  }
}
