'use client';

import { useEffect, useRef, useState } from 'react';
import type { SequencedRunEvent } from '@/lib/shared/events/catalogue';
import { EventSequencer } from '@/lib/shared/events/sequencer';
import { outputEventNames, type TestOutputChunk } from '@/lib/shared/events/output';
import { liveEventNames, rooms } from '@/lib/shared/rooms';
import { openLiveSocket } from './live-socket';

const pageSize = 5000;

/**
 * A run's events after `startAfter`, each once and in order: the timeline so
 * far, then live ones. `onEvents` gets batches; after a reconnect it gets what
 * was missed. `onOutputTail` gets the running tests' newest output (not part of
 * the timeline, see lib/shared/events/output.ts). Nothing is loaded or followed
 * unless `follow` is set.
 */
export function useRunEvents(
  apiBase: string,
  runId: string,
  onEvents: (events: SequencedRunEvent[]) => void,
  { follow, startAfter = 0, onOutputTail }: { follow: boolean; startAfter?: number; onOutputTail?: (chunk: TestOutputChunk) => void },
): { connected: boolean; error: string | null } {
  const [connected, setConnected] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const handlers = useRef({ onEvents, onOutputTail });
  handlers.current = { onEvents, onOutputTail };

  useEffect(() => {
    if (!follow) return;
    const fetchAfter = async (afterSeq: number) => {
      const response = await fetch(`${apiBase}/events?after=${afterSeq}&limit=${pageSize}`);
      if (!response.ok) throw new Error(`loading the timeline failed: ${response.status}`);
      return (await response.json()) as SequencedRunEvent[];
    };
    const sequencer = new EventSequencer(
      fetchAfter,
      pageSize,
      (events) => handlers.current.onEvents(events),
      (failure) => setError(failure.message),
      startAfter,
    );
    const socket = openLiveSocket(
      [rooms.run(runId)],
      {
        [liveEventNames.runEvents]: (events: SequencedRunEvent[]) => sequencer.receive(events),
        [outputEventNames.tail]: (chunk: TestOutputChunk) => handlers.current.onOutputTail?.(chunk),
      },
      (joined) => {
        setConnected(true);
        if (!joined) setError('live updates were refused');
        // Whatever happened while joining (or while disconnected) comes from the timeline.
        void sequencer.catchUp();
      },
      () => setConnected(false),
    );
    void sequencer.catchUp();
    return () => {
      socket.close();
    };
  }, [apiBase, runId, follow, startAfter]);

  return { connected, error };
}
