'use client';

import { useState } from 'react';
import { compareListTitles, type CompareList, type ComparePage, type CompareRow, type RunComparison } from '@/lib/shared/run-compare';
import { resultPath } from '@/lib/shared/result-paths';
import { StatusBadge } from '../run/status-badge';

/** One list of a comparison: its first page as rendered, further pages fetched from the API. */
export function CompareListView({
  team,
  head,
  base,
  list,
  count,
  initial,
}: {
  team: string;
  head: number;
  base: number;
  list: CompareList;
  count: number;
  initial: ComparePage;
}) {
  const [rows, setRows] = useState(initial.rows);
  const [next, setNext] = useState(initial.next);
  const [error, setError] = useState<string | null>(null);

  async function loadMore() {
    if (!next) return;
    const query = new URLSearchParams({ base: String(base), list, after: next, limit: '200' });
    try {
      const response = await fetch(`/api/v1/teams/${encodeURIComponent(team)}/runs/${head}/compare?${query}`);
      const payload = (await response.json()) as RunComparison & { error?: string };
      if (!response.ok) throw new Error(payload.error ?? response.statusText);
      const page = payload.lists[list]!;
      setRows((current) => [...current, ...page.rows]);
      setNext(page.next);
    } catch (failure) {
      setError((failure as Error).message);
    }
  }

  if (count === 0) return null;
  const showCause = list === 'new-failures' || list === 'still-failing' || list === 'new-tests';
  return (
    <section className="card" data-testid={`compare-list-${list}`}>
      <h2 className="mb-2 font-semibold">
        {compareListTitles[list]} <span className="text-slate-500">({count})</span>
      </h2>
      <table className="table text-sm">
        <thead>
          <tr>
            <th>Test</th>
            <th>Platform</th>
            <th>#{base}</th>
            <th>#{head}</th>
            <th>Duration</th>
            {showCause && <th>Cause</th>}
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => (
            <tr key={`${row.platform}\0${row.testName}`} data-testid="compare-row">
              <td>
                <a
                  className="font-mono text-xs text-indigo-700 hover:underline"
                  href={resultPath(team, row.headStatus === null ? base : head, row.platform, row.testName)}
                  data-testid="compare-test"
                >
                  {row.testName}
                </a>
              </td>
              <td className="text-xs">{row.platform}</td>
              <td>{row.baseStatus ? <StatusBadge status={row.baseStatus} /> : '—'}</td>
              <td>{row.headStatus ? <StatusBadge status={row.headStatus} /> : '—'}</td>
              <td className="text-xs text-slate-600">{durations(row)}</td>
              {showCause && (
                <td className="text-xs">
                  <Cause team={team} row={row} />
                </td>
              )}
            </tr>
          ))}
        </tbody>
      </table>
      {next && (
        <button type="button" className="btn-quiet mt-2" onClick={() => void loadMore()} data-testid="compare-more">
          Show more
        </button>
      )}
      {error && <p className="mt-2 text-sm text-red-700">{error}</p>}
    </section>
  );
}

function durations(row: CompareRow): string {
  const seconds = (value: number | null) => (value === null ? '—' : `${value.toFixed(1)} s`);
  return `${seconds(row.baseSeconds)} → ${seconds(row.headSeconds)}`;
}

function Cause({ team, row }: { team: string; row: CompareRow }) {
  if (row.signature === null) return <span className="text-slate-400">—</span>;
  const label = row.signatureInBase ? 'also in base' : row.signatureSeenBefore ? 'seen before' : 'new cause';
  return (
    <span data-testid="compare-cause" data-cause={label}>
      <span className={row.signatureInBase || row.signatureSeenBefore ? 'text-slate-600' : 'font-semibold text-red-700'}>{label}</span>{' '}
      <a className="font-mono text-indigo-700 hover:underline" href={`/t/${encodeURIComponent(team)}/signatures/${row.signature}`}>
        {row.signature}
      </a>
    </span>
  );
}
