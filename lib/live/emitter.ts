import { Emitter } from '@socket.io/postgres-emitter';
import pg from 'pg';
import { attachmentsTable } from './rooms';

/** Emits to browsers from a process without a Socket.IO server (the worker), through PostgreSQL NOTIFY. */
export function createLiveEmitter(databaseUrl: string): { emitter: Emitter; close: () => Promise<void> } {
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 2 });
  return { emitter: new Emitter(pool, undefined, { tableName: attachmentsTable }), close: () => pool.end() };
}
