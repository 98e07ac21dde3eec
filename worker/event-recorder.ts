import type { Db } from '../lib/server/db/client';
import type { RunEvent } from '../lib/shared/events/catalogue';
import { recordRunEvents, type LiveBroadcaster } from '../lib/server/runs/events';
import { WriteBatches } from './write-batches';

/** Long enough to gather a busy run's events (several tests starting and ending together), short beside a person's reaction. */
const defaultBatchMs = 50;

/**
 * The event sink of one run on a worker. Events are written in the order
 * they are recorded, in batches (see WriteBatches), so a busy run costs one
 * statement per batch rather than per event.
 */
export class RunEventRecorder {
  private readonly batches: WriteBatches<RunEvent>;

  constructor(
    private readonly db: Db,
    readonly runId: string,
    private readonly live: LiveBroadcaster | undefined,
    private readonly onError: (error: Error) => void,
    batchMs = defaultBatchMs,
  ) {
    this.batches = new WriteBatches((batch) => this.store(batch), batchMs);
  }

  record(event: RunEvent): void {
    this.batches.add(event);
  }

  /** Resolves once everything recorded so far is stored. */
  flush(): Promise<void> {
    return this.batches.flush();
  }

  private async store(batch: RunEvent[]): Promise<void> {
    try {
      await recordRunEvents(this.db, this.runId, batch, this.live);
    } catch (error) {
      this.onError(error as Error);
    }
  }
}
