import type { Db } from '../db/client';
import type { RunEvent } from '../events/catalogue';
import { recordRunEvents, type LiveBroadcaster } from './events';

type OutputEvent = Extract<RunEvent, { type: 'test.output' }>;

/**
 * The event sink of one run on a worker. Events are written in the order
 * they are recorded; whatever arrives while a write is in flight goes into
 * the next write, so a busy run costs one transaction per batch rather than
 * per event. Test output is held for `outputDelayMs` and joined per test
 * attempt: a chatty test becomes a few events a second.
 */
export class RunEventRecorder {
  private queue: RunEvent[] = [];
  private readonly heldOutput = new Map<string, OutputEvent>();
  private outputTimer: NodeJS.Timeout | undefined;
  private writing: Promise<void> | undefined;

  constructor(
    private readonly db: Db,
    readonly runId: string,
    private readonly live: LiveBroadcaster | undefined,
    private readonly onError: (error: Error) => void,
    private readonly outputDelayMs = 250,
  ) {}

  record(event: RunEvent): void {
    if (event.type === 'test.output') {
      this.holdOutput(event);
      return;
    }
    this.releaseOutput();
    this.queue.push(event);
    this.startWriting();
  }

  /** Resolves once everything recorded so far is stored. */
  async flush(): Promise<void> {
    this.releaseOutput();
    this.startWriting();
    while (this.writing) await this.writing;
  }

  private holdOutput(event: OutputEvent): void {
    const key = `${event.platform}\0${event.test}\0${event.attempt}`;
    const held = this.heldOutput.get(key);
    this.heldOutput.set(key, held ? { ...held, text: held.text + event.text } : event);
    this.outputTimer ??= setTimeout(() => {
      this.releaseOutput();
      this.startWriting();
    }, this.outputDelayMs);
  }

  private releaseOutput(): void {
    clearTimeout(this.outputTimer);
    this.outputTimer = undefined;
    this.queue.push(...this.heldOutput.values());
    this.heldOutput.clear();
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
