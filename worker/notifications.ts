import pg from 'pg';
import { runCancelledChannel } from '../lib/server/runs/cancel';
import { newJobsChannel } from '../lib/server/runs/job-queue';
import { ignoreCleanupFailure, messageOf } from '../lib/shared/errors';

/**
 * One LISTEN connection for what workers must react to at once: a run being
 * cancelled (its orchestrators stop) and new jobs (idle workers fetch now).
 * It reconnects after losing the connection; `onReconnect` lets callers
 * catch up on what they may have missed meanwhile.
 */
export class WorkerNotifications {
  private client: pg.Client | undefined;
  private readonly cancelWatchers = new Map<string, Set<() => void>>();
  private closed = false;

  constructor(
    private readonly databaseUrl: string,
    private readonly onNewJobs: () => void,
    private readonly onReconnect: () => void,
  ) {}

  async start(): Promise<void> {
    const client = new pg.Client({ connectionString: this.databaseUrl });
    client.on('notification', (message) => {
      if (message.channel === newJobsChannel) this.onNewJobs();
      else if (message.channel === runCancelledChannel && message.payload)
        for (const watcher of this.cancelWatchers.get(message.payload) ?? []) watcher();
    });
    client.on('error', (error) => {
      console.error(`worker: notification connection lost: ${error.message}`);
      void client.end().catch(ignoreCleanupFailure);
      this.reconnectSoon();
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${runCancelledChannel}; LISTEN ${newJobsChannel}`);
    } catch (error) {
      await client.end().catch(ignoreCleanupFailure);
      throw error;
    }
    this.client = client;
  }

  /** Until the database answers again: a worker without notifications would miss cancellations. */
  private reconnectSoon(): void {
    if (this.closed) return;
    setTimeout(() => {
      this.start().then(this.onReconnect, (error: unknown) => {
        console.error(`worker: cannot listen for notifications yet (${messageOf(error)}); retrying`);
        this.reconnectSoon();
      });
    }, 1000);
  }

  /** Calls `onCancel` when the run is cancelled; returns the unsubscribe function. */
  watchCancel(runId: string, onCancel: () => void): () => void {
    const watchers = this.cancelWatchers.get(runId) ?? new Set();
    watchers.add(onCancel);
    this.cancelWatchers.set(runId, watchers);
    return () => {
      watchers.delete(onCancel);
      if (watchers.size === 0) this.cancelWatchers.delete(runId);
    };
  }

  /** Runs being watched, to check after a reconnect. */
  watchedRuns(): string[] {
    return [...this.cancelWatchers.keys()];
  }

  cancelled(runId: string): void {
    for (const watcher of this.cancelWatchers.get(runId) ?? []) watcher();
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.client?.end().catch(ignoreCleanupFailure);
  }
}
