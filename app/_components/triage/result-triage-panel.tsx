'use client';

import { useRouter } from 'next/navigation';
import { useCallback, useEffect, useState } from 'react';
import type { SequencedRunEvent } from '@/lib/shared/events/catalogue';
import type { ResultTriage } from '@/lib/shared/triage';
import { applyTriageEvent, TriageCell } from '../run/triage-cell';
import { useRunEvents } from '../run/use-run-events';
import { KnownIssueForm } from './known-issue-form';

/** Regular-expression text that matches `text` literally. */
const literal = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * A failure's labels and triage state on its result page, and a known issue
 * made from it in two clicks: "Known issue…" opens the form prefilled from the
 * failure (test, platform, status and the log line selected in the viewer, or
 * the note), "Create known issue" saves it. Live: what anyone on the team
 * changes about this failure shows at once (a changed waiver or known issue
 * reads the page again).
 */
export function ResultTriagePanel({
  team,
  runNumber,
  runId,
  lastSeq,
  apiBase,
  platform,
  testName,
  resultId,
  status,
  note,
  fileLinesApi,
  triage,
  canTriage,
}: {
  team: string;
  runNumber: number;
  runId: string;
  /** The run's last event when the page was read: live changes follow from there. */
  lastSeq: number;
  apiBase: string;
  platform: string;
  testName: string;
  resultId: string;
  status: string;
  note: string | null;
  /** The shown log's lines API, to prefill the output pattern from the selected line. */
  fileLinesApi: string | null;
  triage: ResultTriage;
  canTriage: boolean;
}) {
  const [form, setForm] = useState<{ textPattern: string | null } | null>(null);
  const [done, setDone] = useState(false);
  const [current, setCurrent] = useState(triage);
  useEffect(() => setCurrent(triage), [triage]);
  const router = useRouter();
  const onEvents = useCallback(
    (events: SequencedRunEvent[]) => {
      for (const { event } of events) {
        if (event.type === 'triage.changed') router.refresh();
        else if ((event.type === 'result.triaged' || event.type === 'result.labelled') && event.resultId === resultId)
          setCurrent((before) => applyTriageEvent(before, event));
      }
    },
    [resultId, router],
  );
  useRunEvents(apiBase, runId, onEvents, { follow: true, startAfter: lastSeq });

  async function openForm() {
    const selected = /^#L(\d{1,9})/.exec(window.location.hash);
    let line: string | null = null;
    if (selected && fileLinesApi) {
      const response = await fetch(`${fileLinesApi}?from=${Number(selected[1]) - 1}&count=1`);
      if (response.ok) line = ((await response.json()) as { lines?: string[] }).lines?.[0] ?? null;
    }
    const text = (line ?? note ?? '').trim().slice(0, 200);
    setDone(false);
    setForm({ textPattern: text ? literal(text) : null });
  }

  return (
    <section className="card" data-testid="result-triage">
      <div className="flex flex-wrap items-center gap-3">
        <h2 className="font-semibold">Triage</h2>
        <TriageCell
          triage={current}
          team={team}
          runNumber={runNumber}
          platform={platform}
          testName={testName}
          resultId={resultId}
          apiBase={apiBase}
          canTriage={canTriage}
        />
        <span className="flex-1" />
        {canTriage && (
          <button type="button" className="btn-quiet" onClick={() => void openForm()} data-testid="new-known-issue">
            Known issue…
          </button>
        )}
      </div>
      {done && <p className="mt-2 text-sm text-green-700">Known issue created; matching failures are labelled.</p>}
      {form && (
        <div className="mt-3 max-w-xl">
          <KnownIssueForm
            teamSlug={team}
            sourceResultId={resultId}
            initial={{
              testPattern: `^${literal(testName)}$`,
              platformPattern: `^${literal(platform)}$`,
              statuses: [status],
              textPattern: form.textPattern,
            }}
            onDone={() => {
              setForm(null);
              setDone(true);
            }}
          />
        </div>
      )}
    </section>
  );
}
