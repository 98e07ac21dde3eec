import type { Db } from '../lib/server/db/client';
import type { RunEvent } from '../lib/shared/events/catalogue';
import { recordRunEvents, type LiveBroadcaster } from '../lib/server/runs/events';

/** Long enough to gather a busy run's events (several tests starting and ending together), short beside a person's reaction. */
const defaultBatchMs = 50;

/**
 * The event sink of one run on a worker. Events are written in the order
 * they are recorded; the first one waits `batchMs` for others to share its
 * write, and whatever arrives while a write is in flight goes into the next
 * write, so a busy run costs one statement per batch rather than per event.
 */
export class RunEventRecorder {
  private queue: RunEvent[] = [];
  private timer: NodeJS.Timeout | undefined;
  private writing: Promise<void> | undefined;

  constructor(
    private readonly db: Db,
    readonly runId: string,
    private readonly live: LiveBroadcaster | undefined,
    private readonly onError: (error: Error) => void,
    private readonly batchMs = defaultBatchMs,
  ) {}

  record(event: RunEvent): void {
    this.queue.push(event);
    if (this.timer || this.writing) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.startWriting();
    }, this.batchMs);
  }

  /** Resolves once everything recorded so far is stored. */
  async flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.startWriting();
    while (this.writing) await this.writing;
  }

  private startWriting(): void {
    if (this.writing || this.queue.length === 0) return;
    this.writing = (async () => {
      while (this.queue.length > 0) {
        const batch = this.queue;
        this.queue = [];
        try {
          await recordRunEvents(this.db, this.runId, batch, this.live);
        } catch (error) {
          this.onError(error as Error);
        }
      }
      this.writing = undefined;
    })();
  }
}
