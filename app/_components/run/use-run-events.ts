'use client';

import { useEffect, useRef, useState } from 'react';
import { io } from 'socket.io-client';
import type { SequencedRunEvent } from '@/lib/events/catalogue';
import { EventSequencer } from '@/lib/events/sequencer';

const pageSize = 5000;

/**
 * A run's events after `startAfter`, each once and in order: the timeline so
 * far, then live ones. `onEvents` gets batches; after a reconnect it gets what
 * was missed. Nothing is loaded or followed unless `follow` is set.
 */
export function useRunEvents(
  apiBase: string,
  runId: string,
  onEvents: (events: SequencedRunEvent[]) => void,
  { follow, startAfter = 0 }: { follow: boolean; startAfter?: number },
): { connected: boolean; error: string | null } {
  const [connected, setConnected] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const handler = useRef(onEvents);
  handler.current = onEvents;

  useEffect(() => {
    if (!follow) return;
    const fetchAfter = async (afterSeq: number) => {
      const response = await fetch(`${apiBase}/events?after=${afterSeq}&limit=${pageSize}`);
      if (!response.ok) throw new Error(`loading the timeline failed: ${response.status}`);
      return (await response.json()) as SequencedRunEvent[];
    };
    const sequencer = new EventSequencer(fetchAfter, pageSize, (events) => handler.current(events), (failure) => setError(failure.message), startAfter);
    const socket = io({ transports: ['websocket'] });
    socket.on('run-event', (event: SequencedRunEvent) => sequencer.receive(event));
    socket.on('connect', async () => {
      setConnected(true);
      const joined = await socket.emitWithAck('subscribe', `run:${runId}`).catch(() => false);
      if (!joined) setError('live updates were refused');
      // Whatever happened while joining (or while disconnected) comes from the timeline.
      await sequencer.catchUp();
    });
    socket.on('disconnect', () => setConnected(false));
    void sequencer.catchUp();
    return () => {
      socket.close();
    };
  }, [apiBase, runId, follow, startAfter]);

  return { connected, error };
}
