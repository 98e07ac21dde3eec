import { BroadcastOperator, Emitter } from '@socket.io/postgres-emitter';
import pg from 'pg';

interface Publisher {
  emitter: { nsp: string };
  publish(document: Record<string, unknown>): Promise<void>;
}

// @socket.io/postgres-emitter 0.1.1 leaves out the top-level "nsp" by which
// @socket.io/postgres-adapter 0.5 routes messages to a namespace, so without
// it browsers never see what a worker emits.
const publisher = BroadcastOperator.prototype as unknown as Publisher;
const publishWithoutNamespace = publisher.publish;
publisher.publish = function (this: Publisher, document) {
  return publishWithoutNamespace.call(this, { ...document, nsp: this.emitter.nsp });
};

/** The table Socket.IO's Postgres adapter and emitter share for payloads too large for NOTIFY. */
export const attachmentsTable = 'socket_io_attachments';

/**
 * The JSON size of a message's data that still goes out as a bare NOTIFY:
 * the emitter sends larger ones (8,000 bytes with its envelope) through the
 * attachments table, a write and a read in the database.
 */
export const maxBareMessageBytes = 7000;

/** The statement the emitter sends for each message. */
const notifyStatement = 'SELECT pg_notify($1, $2)';

/** Notifications sent by one statement at most. */
const maxNotificationsPerStatement = 200;

interface PendingNotification {
  channel: string;
  payload: string;
  settle: { resolve(): void; reject(error: unknown): void };
}

/**
 * The pool the emitter queries, sending its notifications together: those
 * emitted in the same tick, or while the previous statement is in flight, go
 * out as one `SELECT pg_notify(…), pg_notify(…)`: one transaction for
 * PostgreSQL to commit instead of one per message (a busy run emits several
 * messages per test), and in the order they were emitted (one statement at a
 * time, where separate queries on the pool's connections could overtake each
 * other). Other statements (large payloads stored as attachments) go straight
 * to the pool.
 */
class NotificationBatcher {
  private pending: PendingNotification[] = [];
  private sending = false;

  constructor(readonly pool: pg.Pool) {}

  query(text: string, values: unknown[]): Promise<unknown> {
    if (text !== notifyStatement) return this.pool.query(text, values);
    return new Promise<void>((resolve, reject) => {
      this.pending.push({ channel: String(values[0]), payload: String(values[1]), settle: { resolve, reject } });
      if (!this.sending) {
        this.sending = true;
        setImmediate(() => void this.send());
      }
    });
  }

  private async send(): Promise<void> {
    while (this.pending.length > 0) {
      const batch = this.takeBatch();
      const values = batch.flatMap((item) => [item.channel, item.payload]);
      const calls = batch.map((_, index) => `pg_notify($${2 * index + 1}, $${2 * index + 2})`);
      try {
        await this.pool.query(`SELECT ${calls.join(', ')}`, values);
        for (const item of batch) item.settle.resolve();
      } catch (error) {
        for (const item of batch) item.settle.reject(error);
      }
    }
    this.sending = false;
  }

  /** The next notifications for one statement: PostgreSQL delivers a payload repeated in one transaction only once. */
  private takeBatch(): PendingNotification[] {
    const seen = new Set<string>();
    let count = 0;
    for (const item of this.pending) {
      const key = `${item.channel}\0${item.payload}`;
      if (seen.has(key) || count === maxNotificationsPerStatement) break;
      seen.add(key);
      count++;
    }
    return this.pending.splice(0, count);
  }
}

/** Emits to browsers from a process without a Socket.IO server (the worker), through PostgreSQL NOTIFY. */
export function createLiveEmitter(databaseUrl: string): { emitter: Emitter; close: () => Promise<void> } {
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 2 });
  const batcher = new NotificationBatcher(pool);
  // The emitter only ever calls query(text, values) on its pool.
  return { emitter: new Emitter(batcher as unknown as pg.Pool, undefined, { tableName: attachmentsTable }), close: () => pool.end() };
}
