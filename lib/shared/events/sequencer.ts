import type { SequencedRunEvent } from './catalogue';

/** Fetches a run's timeline after a sequence number, oldest first, at most `pageSize` events. */
export type TimelineFetcher = (afterSeq: number) => Promise<SequencedRunEvent[]>;

/**
 * Applies a run's events exactly once and in order, whether they come from
 * the timeline API or live from Socket.IO: live events wait while the
 * timeline loads, events at or below the last applied number are dropped,
 * and a skipped number makes it fetch the gap from the timeline.
 */
export class EventSequencer {
  private lastSeq = 0;
  private readonly pending = new Map<number, SequencedRunEvent>();
  private catchingUp: Promise<void> | null = null;
  private catchUpAgain = false;

  /** `startAfter`: the last event already reflected in what the caller shows (e.g. a server-side snapshot). */
  constructor(
    private readonly fetchAfter: TimelineFetcher,
    private readonly pageSize: number,
    private readonly apply: (events: SequencedRunEvent[]) => void,
    private readonly onError: (error: Error) => void = () => {},
    startAfter = 0,
  ) {
    this.lastSeq = startAfter;
  }

  get lastApplied(): number {
    return this.lastSeq;
  }

  /** Live events: applied together, once those before them are. */
  receive(events: readonly SequencedRunEvent[]): void {
    for (const event of events) if (event.seq > this.lastSeq) this.pending.set(event.seq, event);
    if (!this.catchingUp) this.drainPending();
  }

  /** Loads the timeline after the last applied event (on start and after every reconnect). */
  catchUp(): Promise<void> {
    if (this.catchingUp) {
      this.catchUpAgain = true;
      return this.catchingUp;
    }
    this.catchingUp = this.loadTimeline().finally(() => {
      this.catchingUp = null;
      if (this.catchUpAgain) {
        this.catchUpAgain = false;
        void this.catchUp();
      } else {
        this.drainPending();
      }
    });
    return this.catchingUp;
  }

  private async loadTimeline(): Promise<void> {
    try {
      for (;;) {
        const page = await this.fetchAfter(this.lastSeq);
        this.applyInOrder(page);
        if (page.length < this.pageSize) break;
      }
    } catch (error) {
      this.onError(error as Error);
    }
  }

  private drainPending(): void {
    const ready: SequencedRunEvent[] = [];
    for (let next = this.pending.get(this.lastSeq + 1); next; next = this.pending.get(this.lastSeq + 1)) {
      this.pending.delete(next.seq);
      ready.push(next);
      this.lastSeq = next.seq;
    }
    for (const seq of this.pending.keys()) if (seq <= this.lastSeq) this.pending.delete(seq);
    if (ready.length > 0) this.apply(ready);
    // Something is missing between what was applied and what is waiting.
    if (this.pending.size > 0) void this.catchUp();
  }

  private applyInOrder(events: SequencedRunEvent[]): void {
    const fresh: SequencedRunEvent[] = [];
    for (const event of events) {
      if (event.seq !== this.lastSeq + 1) continue;
      fresh.push(event);
      this.lastSeq = event.seq;
      this.pending.delete(event.seq);
    }
    if (fresh.length > 0) this.apply(fresh);
  }
}
