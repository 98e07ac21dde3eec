'use client';

import Link from 'next/link';
import { usePathname, useSearchParams } from 'next/navigation';
import { useCallback, useEffect, useRef, useState } from 'react';
import type { ResultPage, ResultRow } from '@/lib/server/results/list';
import { FlakyFlag } from './flaky-flag';
import { resultPath, testHistoryPath } from './paths';
import { StatusBadge } from './status-badge';
import { WindowedList } from './windowed-list';

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
}

function filtersFrom(params: URLSearchParams): Filters {
  return {
    status: (params.get('status') ?? '').split(',').filter(Boolean),
    platform: params.get('platform') ?? '',
    name: params.get('name') ?? '',
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
}: {
  team: string;
  runNumber: number;
  apiBase: string;
  platforms: string[];
  live: LiveResult[];
}) {
  const pathname = usePathname();
  const searchParams = useSearchParams();
  const filters = filtersFrom(new URLSearchParams(searchParams.toString()));
  const filterKey = `${filters.status.join(',')}|${filters.platform}|${filters.name}`;
  const [rows, setRows] = useState<ResultRow[]>([]);
  const [total, setTotal] = useState(0);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<string | null>(null);
  const next = useRef<string | null>(null);
  const fetching = useRef(false);
  const appliedLive = useRef(0);
  const [nameInput, setNameInput] = useState(filters.name);

  const query = useCallback(
    (after: string | null) => {
      const params = new URLSearchParams({ limit: String(pageSize) });
      if (filters.status.length) params.set('status', filters.status.join(','));
      if (filters.platform) params.set('platform', filters.platform);
      if (filters.name) params.set('name', filters.name);
      if (after) params.set('after', after);
      return `${apiBase}/results?${params}`;
    },
    [apiBase, filterKey], // filterKey stands for the filters
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
  }, [query]);

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

  // Live results: replace the row of the same platform and test, or insert in name order.
  useEffect(() => {
    if (live.length <= appliedLive.current || loading) return;
    const fresh = live.slice(appliedLive.current);
    appliedLive.current = live.length;
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
        flaky: null,
      };
      updated = position === -1 ? [...updated, row] : updated.toSpliced(position, 0, row);
    }
    setRows(updated);
    setTotal((current) => current + delta);
  }, [live, loading, rows, filterKey]); // filters are current through filterKey

  // A new filter reloads from the server, which has every result so far.
  useEffect(() => {
    appliedLive.current = live.length;
  }, [filterKey]);

  function setFilter(change: Partial<Filters>) {
    const merged = { ...filters, ...change };
    const params = new URLSearchParams(searchParams.toString());
    for (const [key, value] of [
      ['status', merged.status.join(',')],
      ['platform', merged.platform],
      ['name', merged.name],
    ] as const) {
      if (value) params.set(key, value);
      else params.delete(key);
    }
    // The History API updates useSearchParams without a server round trip for the whole page.
    window.history.replaceState(null, '', `${pathname}${params.size ? `?${params}` : ''}`);
  }

  useEffect(() => {
    if (nameInput === filters.name) return;
    const timer = setTimeout(() => setFilter({ name: nameInput }), 250);
    return () => clearTimeout(timer);
  }, [nameInput]);

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
      <div className="grid grid-cols-[6rem_1fr_10rem_4rem_1fr] border-b border-slate-200 px-2 py-1 text-xs font-medium text-slate-500">
        <span>Status</span>
        <span>Test</span>
        <span>Platform</span>
        <span>Attempt</span>
        <span>Note</span>
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
              className="grid h-full grid-cols-[6rem_1fr_10rem_4rem_1fr] items-center border-b border-slate-100 px-2 text-sm"
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
            </div>
          );
        }}
      />
    </section>
  );
}
