// The worker process: consumes the Postgres-backed job queue, reports its
// liveness, and pushes live events to browsers through the Postgres emitter.
import PgBoss from 'pg-boss';
import { db } from '../lib/db/client';
import { startHeartbeat } from '../lib/health/heartbeat';
import { createLiveEmitter } from '../lib/live/emitter';
import { rooms } from '../lib/live/rooms';

const databaseUrl = process.env.DATABASE_URL;
if (!databaseUrl) throw new Error('DATABASE_URL is not set: start Testyard with `npm start`');
const concurrency = Number(process.env.TESTYARD_WORKER_CONCURRENCY ?? 4);
if (!Number.isInteger(concurrency) || concurrency < 1) throw new Error('TESTYARD_WORKER_CONCURRENCY must be a positive integer');

const boss = new PgBoss({ connectionString: databaseUrl, schema: 'pgboss' });
boss.on('error', (error) => console.error(`worker: job queue error: ${error.message}`));
await boss.start();

const live = createLiveEmitter(databaseUrl);
const heartbeat = startHeartbeat(db(), 'worker', { concurrency }, (beat) => live.emitter.to(rooms.health).emit('heartbeat', beat));
await heartbeat.ready;
console.log(`worker: ${heartbeat.id} ready (concurrency ${concurrency})`);

let stopping = false;
async function shutdown(signal: string) {
  if (stopping) return;
  stopping = true;
  console.log(`worker: ${signal}, stopping`);
  await heartbeat.stop();
  await boss.stop({ graceful: true, timeout: 10_000, wait: true });
  await live.close();
  await db().$disconnect();
  process.exit(0);
}
process.on('SIGINT', () => void shutdown('SIGINT'));
process.on('SIGTERM', () => void shutdown('SIGTERM'));
