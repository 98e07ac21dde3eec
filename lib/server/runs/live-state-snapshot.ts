import { open } from 'node:fs/promises';
import { defaultArtifactStore, type ArtifactStore } from '../artifacts/store';
import type { Db } from '../db/client';
import type { RunEvent, SequencedRunEvent } from '../../shared/events/catalogue';
import { lastCharacters, tailCharacters, type OutputTail } from '../../shared/events/output';
import { liveOutputPath } from './live-attempts';
import { applyRunEvents, type LiveRunState } from '../../shared/live-state';

/** Rows of one query; small enough to hold, large enough for few round trips. */
const pageSize = 5000;
/** Bytes read from the end of a running test's output: enough for its tail in any script. */
const tailBytes = 4 * tailCharacters;

/**
 * The live state after every event stored so far, folded here rather than in
 * each browser: a live page then loads the state and follows the events after
 * `lastSeq`. Running tests' output tails are read from their output files
 * (where this server can read them); pushed output then continues them.
 */
export async function liveStateSnapshot(
  db: Db,
  runId: string,
  base: LiveRunState,
  store: ArtifactStore = defaultArtifactStore(),
): Promise<{ state: LiveRunState; lastSeq: number }> {
  // eventSeq and the events it counts are committed together, so every event up to it is readable.
  const { eventSeq: lastSeq } = await db.run.findUniqueOrThrow({ where: { id: runId }, select: { eventSeq: true } });
  let state = base;
  for (let after = 0; after < lastSeq;) {
    const rows = await db.runEvent.findMany({
      where: { runId, seq: { gt: after, lte: lastSeq } },
      orderBy: { seq: 'asc' },
      take: pageSize,
      select: { seq: true, payload: true },
    });
    if (rows.length === 0) break;
    state = applyRunEvents(
      state,
      rows.map((row): SequencedRunEvent => ({ runId, seq: row.seq, at: '', event: row.payload as unknown as RunEvent })),
    );
    after = rows.at(-1)!.seq;
  }
  const running = Object.entries(state.running);
  if (running.length === 0) return { state, lastSeq };
  const platformIds = new Map(
    (await db.runPlatform.findMany({ where: { runId }, select: { id: true, name: true } })).map((platform) => [platform.name, platform.id]),
  );
  const tails = await Promise.all(
    running.map(async ([key, test]) => {
      const runPlatformId = platformIds.get(test.platform);
      const file = runPlatformId && liveOutputPath(store, { runId, runPlatformId, testName: test.test, number: test.attempt });
      return [key, { ...test, output: file ? await outputTail(file) : test.output }] as const;
    }),
  );
  return { state: { ...state, running: Object.fromEntries(tails) }, lastSeq };
}

/** The end of a running test's output file as written so far, from a line start; empty when it cannot be read here. */
async function outputTail(file: string): Promise<OutputTail> {
  let handle;
  try {
    handle = await open(file, 'r');
  } catch {
    return { text: '', end: 0 };
  }
  try {
    const { size } = await handle.stat();
    const start = Math.max(0, size - tailBytes);
    const bytes = Buffer.alloc(size - start);
    const { bytesRead } = await handle.read(bytes, 0, bytes.length, start);
    const text = bytes.toString('utf8', 0, bytesRead);
    return { text: lastCharacters(start > 0 ? text.slice(text.indexOf('\n') + 1) : text), end: start + bytesRead };
  } finally {
    await handle.close();
  }
}
