import type { Db } from '../lib/server/db/client';
import type { RunEvent } from '../lib/shared/events/catalogue';
import { recordRunEvents, type LiveBroadcaster } from '../lib/server/runs/events';

/**
 * The event sink of one run on a worker. Events are written in the order
 * they are recorded; whatever arrives while a write is in flight goes into
 * the next write, so a busy run costs one transaction per batch rather than
 * per event.
 */
export class RunEventRecorder {
  private queue: RunEvent[] = [];
  private writing: Promise<void> | undefined;

  constructor(
    private readonly db: Db,
    readonly runId: string,
    private readonly live: LiveBroadcaster | undefined,
    private readonly onError: (error: Error) => void,
  ) {}

  record(event: RunEvent): void {
    this.queue.push(event);
    this.startWriting();
  }

  /** Resolves once everything recorded so far is stored. */
  async flush(): Promise<void> {
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
