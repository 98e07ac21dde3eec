'use client';

import { useState } from 'react';
import { triageStates, type ResultTriage, type TriageState } from '@/lib/shared/triage';
import { resultPath } from '@/lib/shared/result-paths';

/** How a failure stands in a results row: known-issue labels (with why they matched), its waiver, and its state. */
export function TriageCell({
  triage,
  team,
  runNumber,
  platform,
  testName,
  resultId,
  apiBase,
  canTriage,
}: {
  triage: ResultTriage;
  team: string;
  runNumber: number;
  platform: string;
  testName: string;
  resultId: string;
  apiBase: string;
  canTriage: boolean;
}) {
  const [error, setError] = useState<string | null>(null);
  async function setState(state: TriageState) {
    setError(null);
    const response = await fetch(`${apiBase}/results/${resultId}/triage`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ state }),
    });
    if (!response.ok) setError(((await response.json()) as { error: string }).error);
  }
  return (
    <span className="flex min-w-0 items-center gap-1 text-xs" data-testid="triage-cell" data-state={triage.state}>
      {canTriage && !resultId.startsWith('live:') ? (
        <select
          className="rounded border border-slate-300 px-1 py-0 text-xs"
          aria-label={`triage state of ${testName}`}
          value={triage.state}
          onChange={(event) => void setState(event.target.value as TriageState)}
          data-testid="triage-state"
        >
          {triageStates.map((state) => (
            <option key={state}>{state}</option>
          ))}
        </select>
      ) : (
        <span data-testid="triage-state-text">{triage.state}</span>
      )}
      {triage.by && triage.state === 'investigating' && <span className="text-slate-500">by {triage.by.name}</span>}
      {triage.waiver && (
        <span
          className="rounded bg-violet-100 px-1 text-violet-800"
          title={`${triage.waiver.reason} (until ${triage.waiver.expiresAt})`}
          data-testid="waived-label"
        >
          waived
        </span>
      )}
      {triage.knownIssues.map((issue) => (
        <span key={issue.id} className="flex min-w-0 items-center gap-1" data-testid="known-issue-label">
          <a
            className="truncate rounded bg-amber-100 px-1 text-amber-900 hover:underline"
            href={issue.url}
            target="_blank"
            rel="noreferrer noopener"
            title={issue.title}
          >
            {issue.title}
          </a>
          {issue.field === 'output' && issue.line !== null ? (
            <a
              className="shrink-0 text-indigo-700 hover:underline"
              href={resultPath(team, runNumber, platform, testName, { attempt: issue.attempt, line: issue.line })}
              title={issue.excerpt}
              data-testid="known-issue-line"
            >
              L{issue.line}
            </a>
          ) : (
            <span className="shrink-0 text-slate-500" title={issue.excerpt}>
              ({issue.field === 'note' ? 'note' : 'test'})
            </span>
          )}
        </span>
      ))}
      {error && <span className="text-red-700">{error}</span>}
    </span>
  );
}

/** A failure's triage after a live event: labels added, or the state someone set. */
export function applyTriageEvent(
  triage: ResultTriage | null,
  event:
    | {
        type: 'result.labelled';
        attempt: number;
        issue: { id: string; title: string; url: string };
        match: { field: 'test' | 'note' | 'output'; line: number | null; excerpt: string };
      }
    | { type: 'result.triaged'; state: string; by: string | null },
): ResultTriage {
  const current: ResultTriage = triage ?? { state: 'new', by: null, waiver: null, knownIssues: [] };
  if (event.type === 'result.triaged') {
    return { ...current, state: event.state as TriageState, by: event.by === null ? null : { id: '', name: event.by } };
  }
  if (current.knownIssues.some((issue) => issue.id === event.issue.id)) return current;
  return {
    ...current,
    state: current.state === 'new' ? 'known-issue' : current.state,
    knownIssues: [...current.knownIssues, { ...event.issue, ...event.match, attempt: event.attempt }],
  };
}
