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

/** Emits to browsers from a process without a Socket.IO server (the worker), through PostgreSQL NOTIFY. */
export function createLiveEmitter(databaseUrl: string): { emitter: Emitter; close: () => Promise<void> } {
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 2 });
  return { emitter: new Emitter(pool, undefined, { tableName: attachmentsTable }), close: () => pool.end() };
}
