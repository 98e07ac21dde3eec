import { sqlPool, type Db } from '../db/client';
import { notFound } from '../errors';
import type { RunEvent, SequencedRunEvent } from '../../shared/events/catalogue';
import { liveEventNames, rooms } from '../../shared/rooms';
import { processRedactor } from '../secrets/redaction';
import { maxBareMessageBytes } from '../live/emitter';

/** What events are broadcast through: the Socket.IO Postgres emitter in practice. */
export interface LiveBroadcaster {
  to(room: string): { emit(event: string, ...args: unknown[]): unknown };
}

/** Sent to `team:<id>` so run lists update without joining every run's room. */
export interface RunStatusUpdate {
  runId: string;
  number: number;
  status: string;
  seq: number;
  type: RunEvent['type'];
}

const teamLevelTypes: ReadonlySet<RunEvent['type']> = new Set([
  'run.queued',
  'run.started',
  'run.finished',
  'run.cancelled',
  'platform.progress',
  'platform.finished',
]);

export function recordRunEvent(db: Db, runId: string, event: RunEvent, live?: LiveBroadcaster): Promise<SequencedRunEvent[]> {
  return recordRunEvents(db, runId, [event], live);
}

/**
 * Appends events to a run's timeline and then broadcasts them. Sequence
 * numbers come from the run's own counter, bumped with UPDATE … RETURNING in
 * the statement that inserts them: the row lock orders concurrent writers (on
 * any worker), and a failed insert gives its numbers back, so they have no
 * gaps. One statement, no interactive transaction: workers call this for
 * every few events of a busy run.
 */
export async function recordRunEvents(
  db: Db,
  runId: string,
  recorded: readonly RunEvent[],
  live?: LiveBroadcaster,
): Promise<SequencedRunEvent[]> {
  if (recorded.length === 0) return [];
  // Whatever a provisioner or test said, no secret this process knows is stored or broadcast.
  const redactor = processRedactor();
  const events = recorded.map((event) => redactor.redactDeep(event));
  const payloads = events.map((event) => JSON.stringify(event));
  const at = new Date().toISOString();
  const {
    rows: [run],
  } = await sqlPool(db).query<{ eventSeq: number; teamId: string; number: number; status: string }>(
    {
      name: 'run-events-insert',
      text: `WITH run AS (
       UPDATE "Run" SET "eventSeq" = "eventSeq" + $2 WHERE "id" = $1
       RETURNING "eventSeq", "teamId", "number", "status"::text AS "status"),
     stored AS (
       INSERT INTO "RunEvent" ("runId", "seq", "type", "payload", "createdAt")
       SELECT $1, run."eventSeq" - $2 + event.position, event.type, event.payload, $5::timestamp(3)
       FROM run, unnest($3::text[], $4::jsonb[]) WITH ORDINALITY AS event(type, payload, position))
     SELECT * FROM run`,
    },
    [runId, events.length, events.map((event) => event.type), payloads, at],
  );
  if (!run) throw notFound('run');
  const first = run.eventSeq - events.length + 1;
  const sequenced = events.map((event, index): SequencedRunEvent => ({ runId, seq: first + index, at, event }));
  if (live) broadcast(live, run, sequenced, payloads);
  return sequenced;
}

/** Room for what a SequencedRunEvent adds around its event's JSON (run id, seq, time). */
const sequencedEnvelopeBytes = 120;

/**
 * Events stored together go to the run's room together: as few messages as
 * fit a bare NOTIFY each, rather than one per event (each message costs the
 * worker, PostgreSQL, every web server and every viewer).
 */
function broadcast(
  live: LiveBroadcaster,
  run: { teamId: string; number: number; status: string },
  sequenced: SequencedRunEvent[],
  payloads: string[],
): void {
  const runRoom = live.to(rooms.run(sequenced[0]!.runId));
  let message: SequencedRunEvent[] = [];
  let messageBytes = 0;
  sequenced.forEach((item, index) => {
    const bytes = Buffer.byteLength(payloads[index]!) + sequencedEnvelopeBytes;
    if (message.length > 0 && messageBytes + bytes > maxBareMessageBytes) {
      runRoom.emit(liveEventNames.runEvents, message);
      message = [];
      messageBytes = 0;
    }
    message.push(item);
    messageBytes += bytes;
  });
  runRoom.emit(liveEventNames.runEvents, message);
  const last = sequenced.findLast((item) => teamLevelTypes.has(item.event.type));
  if (last) {
    const update: RunStatusUpdate = { runId: last.runId, number: run.number, status: run.status, seq: last.seq, type: last.event.type };
    live.to(rooms.team(run.teamId)).emit(liveEventNames.runStatus, update);
  }
}

/** A run's timeline after `afterSeq`, oldest first; a late joiner loads this, then applies live events with a higher seq. */
export async function readRunEvents(db: Db, runId: string, afterSeq = 0, limit = 5000): Promise<SequencedRunEvent[]> {
  const rows = await db.runEvent.findMany({
    where: { runId, seq: { gt: afterSeq } },
    orderBy: { seq: 'asc' },
    take: limit,
    select: { seq: true, payload: true, createdAt: true },
  });
  return rows.map((row) => ({ runId, seq: row.seq, at: row.createdAt.toISOString(), event: row.payload as unknown as RunEvent }));
}
