'use client';

import { useCallback, useRef, useState } from 'react';
import type { SequencedRunEvent } from '@/lib/events/catalogue';
import { LogLines } from './log-viewer';
import { useRunEvents } from './use-run-events';

/** A running attempt's output as its `test.output` events arrive (pushed, not polled), following the end. */
export function LiveOutput({ apiBase, runId, platform, test, attempt }: { apiBase: string; runId: string; platform: string; test: string; attempt: number }) {
  const lines = useRef<string[]>(['']);
  const [count, setCount] = useState(1);
  const [finished, setFinished] = useState(false);
  const [selected, setSelected] = useState<number | null>(null);
  const onEvents = useCallback(
    (events: SequencedRunEvent[]) => {
      for (const { event } of events) {
        if (event.type !== 'test.output' && event.type !== 'test.finished') continue;
        if (event.platform !== platform || event.test !== test || event.attempt !== attempt) continue;
        if (event.type === 'test.finished') {
          setFinished(true);
          continue;
        }
        const [first, ...rest] = event.text.split('\n');
        lines.current[lines.current.length - 1] += first!;
        lines.current.push(...rest);
      }
      setCount(lines.current.length);
    },
    [platform, test, attempt],
  );
  const { connected } = useRunEvents(apiBase, runId, onEvents, { follow: true });
  return (
    <div>
      <p className="mb-2 text-xs text-slate-600" data-testid="live-output-state">
        {finished ? 'finished: reload for the stored files' : connected ? 'running: following its output live' : 'connecting…'}
      </p>
      <LogLines count={count} lineAt={(index) => lines.current[index]} selected={selected} onSelect={setSelected} followEnd testId="live-output" />
    </div>
  );
}
