import type { Db } from '../db/client';
import type { RunEvent, SequencedRunEvent } from '../events/catalogue';
import { applyRunEvents, tailCharacters, type LiveRunState } from './live-state';

/** Rows of one query; small enough to hold, large enough for few round trips. */
const pageSize = 5000;
/** Output events read at a time, newest first, until a tail is full. */
const outputPageSize = 200;

/**
 * The live state after every event stored so far, folded here rather than in
 * each browser: a live page then loads the state and follows the events after
 * `lastSeq`. Test output, most of a long run's timeline, is read only for the
 * tests still running, and only as much as their tails keep; the result is
 * the same as applying every event to `base`.
 */
export async function liveStateSnapshot(db: Db, runId: string, base: LiveRunState): Promise<{ state: LiveRunState; lastSeq: number }> {
  // eventSeq and the events it counts are committed together, so every event up to it is readable.
  const { eventSeq: lastSeq } = await db.run.findUniqueOrThrow({ where: { id: runId }, select: { eventSeq: true } });
  let state = base;
  for (let after = 0; after < lastSeq; ) {
    const rows = await db.runEvent.findMany({
      where: { runId, seq: { gt: after, lte: lastSeq }, type: { not: 'test.output' } },
      orderBy: { seq: 'asc' },
      take: pageSize,
      select: { seq: true, payload: true },
    });
    if (rows.length === 0) break;
    state = applyRunEvents(state, rows.map(sequenced(runId)));
    after = rows.at(-1)!.seq;
  }
  for (const running of Object.values(state.running)) {
    state = applyRunEvents(state, await outputTail(db, runId, lastSeq, running));
  }
  return { state, lastSeq };
}

/** The last output events of one attempt, oldest first, enough to fill its tail. */
async function outputTail(db: Db, runId: string, lastSeq: number, attempt: { platform: string; test: string; attempt: number }): Promise<SequencedRunEvent[]> {
  const newestFirst: SequencedRunEvent[] = [];
  let characters = 0;
  for (let before = lastSeq + 1; characters < tailCharacters; ) {
    const rows = await db.$queryRaw<{ seq: number; payload: RunEvent }[]>`
      SELECT "seq", "payload" FROM "RunEvent"
      WHERE "runId" = ${runId} AND "seq" < ${before} AND "type" = 'test.output'
        AND "payload"->>'platform' = ${attempt.platform} AND "payload"->>'test' = ${attempt.test}
        AND ("payload"->>'attempt')::int = ${attempt.attempt}
      ORDER BY "seq" DESC LIMIT ${outputPageSize}`;
    for (const row of rows) {
      newestFirst.push(sequenced(runId)(row));
      characters += (row.payload as Extract<RunEvent, { type: 'test.output' }>).text.length;
      if (characters >= tailCharacters) break;
    }
    if (rows.length < outputPageSize) break;
    before = rows.at(-1)!.seq;
  }
  return newestFirst.reverse();
}

function sequenced(runId: string) {
  return (row: { seq: number; payload: unknown }): SequencedRunEvent => ({ runId, seq: row.seq, at: '', event: row.payload as RunEvent });
}
