'use client';

import { useCallback, useEffect, useRef, useState } from 'react';
import type { SequencedRunEvent } from '@/lib/shared/events/catalogue';
import type { TriageSummary } from '@/lib/shared/triage';

/** A live change to one failure's labels or state. */
export type TriageEvent = Extract<SequencedRunEvent['event'], { type: 'result.labelled' | 'result.triaged' }>;

const refreshDelayMs = 300;

/**
 * The run's triage counts and the live triage changes for the results table:
 * `onEvents` takes the run's events; counts are reloaded (at most every
 * `refreshDelayMs`) after any event that can change them, and `reloadKey`
 * changes when waivers or known issues changed so that rows must be read again.
 */
export function useTriage(apiBase: string, initial: TriageSummary) {
  const [summary, setSummary] = useState(initial);
  const [events, setEvents] = useState<TriageEvent[]>([]);
  const [reloadKey, setReloadKey] = useState(0);
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);

  const refresh = useCallback(() => {
    if (timer.current) return;
    timer.current = setTimeout(() => {
      timer.current = null;
      fetch(`${apiBase}/triage`)
        .then(async (response) => {
          if (response.ok) setSummary(((await response.json()) as { summary: TriageSummary }).summary);
        })
        .catch((error: Error) => console.warn(`reloading triage counts failed: ${error.message}`));
    }, refreshDelayMs);
  }, [apiBase]);

  useEffect(
    () => () => {
      if (timer.current) clearTimeout(timer.current);
    },
    [],
  );

  const onEvents = useCallback(
    (sequenced: SequencedRunEvent[]) => {
      const changes = sequenced.flatMap(({ event }) =>
        event.type === 'result.labelled' || event.type === 'result.triaged' ? [event] : [],
      );
      if (changes.length) setEvents((current) => [...current, ...changes]);
      if (sequenced.some(({ event }) => event.type === 'triage.changed')) setReloadKey((key) => key + 1);
      if (sequenced.some(({ event }) => ['result.ingested', 'result.labelled', 'result.triaged', 'triage.changed'].includes(event.type)))
        refresh();
    },
    [refresh],
  );

  return { summary, events, reloadKey, onEvents };
}
