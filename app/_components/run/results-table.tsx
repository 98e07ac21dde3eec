'use client';

import Link from 'next/link';
import { usePathname, useSearchParams } from 'next/navigation';
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import type { ResultPage, ResultRow } from '@/lib/server/results/list';
import { FlakyFlag } from './flaky-flag';
import { resultPath, testHistoryPath } from '@/lib/shared/result-paths';
import { StatusBadge } from './status-badge';
import { WindowedList } from './windowed-list';
import { triageStates } from '@/lib/shared/triage';
import { applyTriageEvent, TriageCell } from './triage-cell';
import type { TriageEvent } from './use-triage';

/** A result as the live `result.ingested` event tells it. */
export interface LiveResult {
  platform: string;
  testName: string;
  status: string;
  attempt: number;
}

const statuses = ['pass', 'fail', 'error', 'warn', 'info', 'skip'];
const rowHeight = 32;
const pageSize = 200;

interface Filters {
  status: string[];
  platform: string;
  name: string;
  triage: string[];
}

function filtersFrom(params: URLSearchParams): Filters {
  return {
    status: (params.get('status') ?? '').split(',').filter(Boolean),
    platform: params.get('platform') ?? '',
    name: params.get('name') ?? '',
    triage: (params.get('triage') ?? '').split(',').filter(Boolean),
  };
}

function matches(filters: Filters, result: LiveResult): boolean {
  return (
    (filters.status.length === 0 || filters.status.includes(result.status)) &&
    (!filters.platform || filters.platform === result.platform) &&
    (!filters.name || result.testName.toLowerCase().includes(filters.name.toLowerCase()))
  );
}

/**
 * The run's results, filtered on the server by the URL's status, platform
 * and name, paged by keyset as the reader scrolls, and kept current by live
 * results (`live` grows; rows are replaced per platform and test).
 */
export function ResultsTable({
  team,
  runNumber,
  apiBase,
  platforms,
  live,
  triageEvents = [],
  reloadKey = 0,
  canTriage = false,
}: {
  team: string;
  runNumber: number;
  apiBase: string;
  platforms: string[];
  live: LiveResult[];
  /** Live labels and triage states, applied to the rows they concern. */
  triageEvents?: TriageEvent[];
  /** Changes when the rows must be read again (waivers or known issues changed). */
  reloadKey?: number;
  canTriage?: boolean;
}) {
  const pathname = usePathname();
  const searchParams = useSearchParams();
  const searchString = searchParams.toString();
  const filters = useMemo(() => filtersFrom(new URLSearchParams(searchString)), [searchString]);
  // Rows are read again when the filters change or the page asks (waivers or known issues changed).
  const source = useMemo(() => ({ filters, reloadKey }), [filters, reloadKey]);
  const [rows, setRows] = useState<ResultRow[]>([]);
  const [total, setTotal] = useState(0);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<string | null>(null);
  const next = useRef<string | null>(null);
  const fetching = useRef(false);
  const appliedLive = useRef(0);
  const appliedTriage = useRef(0);
  const appliedSource = useRef(source);
  const [nameInput, setNameInput] = useState(filters.name);

  const query = useCallback(
    (after: string | null) => {
      const params = new URLSearchParams({ limit: String(pageSize) });
      if (filters.status.length) params.set('status', filters.status.join(','));
      if (filters.platform) params.set('platform', filters.platform);
      if (filters.name) params.set('name', filters.name);
      if (filters.triage.length) params.set('triage', filters.triage.join(','));
      if (after) params.set('after', after);
      return `${apiBase}/results?${params}`;
    },
    [apiBase, filters],
  );

  useEffect(() => {
    let current = true;
    setLoading(true);
    fetching.current = true;
    fetch(query(null))
      .then(async (response) => {
        if (!response.ok) throw new Error(`loading results failed: ${response.status}`);
        const page = (await response.json()) as ResultPage;
        if (!current) return;
        setRows(page.rows);
        setTotal(page.total);
        next.current = page.next;
        setError(null);
      })
      .catch((failure: Error) => current && setError(failure.message))
      .finally(() => {
        if (current) {
          fetching.current = false;
          setLoading(false);
        }
      });
    return () => {
      current = false;
    };
  }, [query, source]);

  const loadMore = useCallback(
    (_first: number, last: number) => {
      if (fetching.current || !next.current || last < rows.length - 50) return;
      fetching.current = true;
      fetch(query(next.current))
        .then(async (response) => {
          if (!response.ok) throw new Error(`loading results failed: ${response.status}`);
          const page = (await response.json()) as ResultPage;
          setRows((current) => [...current, ...page.rows]);
          next.current = page.next;
        })
        .catch((failure: Error) => setError(failure.message))
        .finally(() => {
          fetching.current = false;
        });
    },
    [query, rows.length],
  );

  // Live results replace the row of the same platform and test, or are inserted in name order; live labels and
  // triage states update their rows. Rows loaded later come with both from the server.
  useEffect(() => {
    // New filters or a reload read from the server, which has every result and label so far.
    if (appliedSource.current !== source) {
      appliedSource.current = source;
      appliedLive.current = live.length;
      appliedTriage.current = triageEvents.length;
      return;
    }
    if (loading || (live.length <= appliedLive.current && triageEvents.length <= appliedTriage.current)) return;
    const fresh = live.slice(appliedLive.current);
    const freshTriage = triageEvents.slice(appliedTriage.current);
    appliedLive.current = live.length;
    appliedTriage.current = triageEvents.length;
    let updated = rows;
    let delta = 0;
    for (const result of fresh) {
      const at = updated.findIndex((row) => row.platform === result.platform && row.testName === result.testName);
      const wanted = matches(filters, result);
      if (at >= 0) {
        updated = wanted
          ? updated.with(at, { ...updated[at]!, status: result.status, attempt: result.attempt, note: null })
          : updated.toSpliced(at, 1);
        if (!wanted) delta--;
        continue;
      }
      if (!wanted) continue;
      delta++;
      const position = updated.findIndex((row) => row.testName > result.testName);
      // Past the loaded pages it arrives with a later page.
      if (position === -1 && next.current) continue;
      const row: ResultRow = {
        id: `live:${result.platform}:${result.testName}`,
        platform: result.platform,
        testName: result.testName,
        status: result.status,
        note: null,
        attempt: result.attempt,
        subResults: 0,
        triage: null,
        flaky: null,
      };
      updated = position === -1 ? [...updated, row] : updated.toSpliced(position, 0, row);
    }
    for (const event of freshTriage) {
      const at = updated.findIndex((row) =>
        event.type === 'result.triaged' ? row.id === event.resultId : row.platform === event.platform && row.testName === event.test,
      );
      if (at >= 0) updated = updated.with(at, { ...updated[at]!, triage: applyTriageEvent(updated[at]!.triage, event) });
    }
    setRows(updated);
    if (delta) setTotal((current) => current + delta);
  }, [live, triageEvents, loading, rows, filters, source]);

  const setFilter = useCallback(
    (change: Partial<Filters>) => {
      const merged = { ...filters, ...change };
      const params = new URLSearchParams(searchParams.toString());
      for (const [key, value] of [
        ['status', merged.status.join(',')],
        ['platform', merged.platform],
        ['name', merged.name],
        ['triage', merged.triage.join(',')],
      ] as const) {
        if (value) params.set(key, value);
        else params.delete(key);
      }
      // The History API updates useSearchParams without a server round trip for the whole page.
      window.history.replaceState(null, '', `${pathname}${params.size ? `?${params}` : ''}`);
    },
    [filters, searchParams, pathname],
  );

  useEffect(() => {
    if (nameInput === filters.name) return;
    const timer = setTimeout(() => setFilter({ name: nameInput }), 250);
    return () => clearTimeout(timer);
  }, [nameInput, filters.name, setFilter]);

  return (
    <section className="card" data-testid="results">
      <div className="mb-3 flex flex-wrap items-center gap-3">
        <h2 className="font-semibold">Results</h2>
        <span className="text-sm text-slate-500" data-testid="results-total">
          {loading ? 'loading…' : `${total.toLocaleString('en')} ${total === 1 ? 'result' : 'results'}`}
        </span>
        <div className="flex gap-1" role="group" aria-label="status filter">
          {statuses.map((status) => {
            const on = filters.status.includes(status);
            return (
              <button
                key={status}
                type="button"
                data-testid={`filter-status-${status}`}
                aria-pressed={on}
                className={`rounded border px-2 py-0.5 text-xs ${on ? 'border-indigo-500 bg-indigo-50 text-indigo-700' : 'border-slate-300 text-slate-600'}`}
                onClick={() => setFilter({ status: on ? filters.status.filter((item) => item !== status) : [...filters.status, status] })}
              >
                {status}
              </button>
            );
          })}
        </div>
        <div className="flex gap-1" role="group" aria-label="triage filter">
          {triageStates.map((state) => {
            const on = filters.triage.includes(state);
            return (
              <button
                key={state}
                type="button"
                data-testid={`filter-triage-${state}`}
                aria-pressed={on}
                className={`rounded border px-2 py-0.5 text-xs ${on ? 'border-violet-500 bg-violet-50 text-violet-700' : 'border-slate-300 text-slate-600'}`}
                onClick={() => setFilter({ triage: on ? filters.triage.filter((item) => item !== state) : [...filters.triage, state] })}
              >
                {state}
              </button>
            );
          })}
        </div>
        <select
          className="input w-auto"
          aria-label="platform filter"
          value={filters.platform}
          onChange={(event) => setFilter({ platform: event.target.value })}
        >
          <option value="">all platforms</option>
          {platforms.map((platform) => (
            <option key={platform}>{platform}</option>
          ))}
        </select>
        <input
          className="input w-64"
          placeholder="test name contains…"
          aria-label="name filter"
          value={nameInput}
          onChange={(event) => setNameInput(event.target.value)}
        />
      </div>
      {error && <p className="mb-2 text-sm text-red-700">{error}</p>}
      <div className="grid grid-cols-[6rem_1fr_10rem_4rem_1fr_18rem] border-b border-slate-200 px-2 py-1 text-xs font-medium text-slate-500">
        <span>Status</span>
        <span>Test</span>
        <span>Platform</span>
        <span>Attempt</span>
        <span>Note</span>
        <span>Triage</span>
      </div>
      <WindowedList
        testId="results-rows"
        count={rows.length}
        rowHeight={rowHeight}
        height={Math.min(600, Math.max(rowHeight * 3, rows.length * rowHeight))}
        onRangeChange={loadMore}
        renderRow={(index) => {
          const row = rows[index]!;
          return (
            <div
              className="grid h-full grid-cols-[6rem_1fr_10rem_4rem_1fr_18rem] items-center border-b border-slate-100 px-2 text-sm"
              data-testid="result-row"
              data-test={row.testName}
              data-status={row.status}
            >
              <span>
                <StatusBadge status={row.status} />
              </span>
              <Link className="truncate text-indigo-700 hover:underline" href={resultPath(team, runNumber, row.platform, row.testName)}>
                {row.testName}
              </Link>
              <span className="truncate">{row.platform}</span>
              <span>{row.attempt}</span>
              <span className="flex items-center gap-2 truncate text-slate-500">
                <Link
                  className="text-xs text-indigo-700 hover:underline"
                  href={testHistoryPath(team, row.platform, row.testName)}
                  data-testid="history-link"
                >
                  history
                </Link>
                {row.flaky && <FlakyFlag flag={row.flaky} />}
                <span className="truncate">{row.note ?? (row.subResults ? `${row.subResults} sub-results` : '')}</span>
              </span>
              {row.triage ? (
                <TriageCell
                  triage={row.triage}
                  team={team}
                  runNumber={runNumber}
                  platform={row.platform}
                  testName={row.testName}
                  resultId={row.id}
                  apiBase={apiBase}
                  canTriage={canTriage}
                />
              ) : (
                <span />
              )}
            </div>
          );
        }}
      />
    </section>
  );
}
