'use client';

import { useCallback, useEffect, useRef, useState, type FormEvent } from 'react';
import type { LogLines, SearchResult } from '@/lib/logs/log-file';
import { formatBytes } from './format-bytes';
import { LogLine } from './log-line';
import { WindowedList, type ScrollTarget } from './windowed-list';

const rowHeight = 18;
const pageLines = 500;
const keptPages = 60;

function lineFromHash(): number | null {
  const match = /^#L(\d+)$/.exec(window.location.hash);
  return match ? Number(match[1]) - 1 : null;
}

/** Line rows shared by stored and live logs: numbers that are links (#L123), the selected line highlighted. */
export function LogLines({ count, lineAt, selected, onSelect, scrollTo, followEnd = false, testId }: {
  count: number;
  lineAt: (index: number) => string | undefined;
  selected: number | null;
  onSelect: (index: number) => void;
  scrollTo?: ScrollTarget;
  followEnd?: boolean;
  testId: string;
}) {
  const [height, setHeight] = useState(600);
  useEffect(() => setHeight(Math.max(300, window.innerHeight - 260)), []);
  return (
    <div className="rounded bg-slate-950 font-mono text-xs text-slate-100" data-testid={testId}>
      <WindowedList
        count={count}
        rowHeight={rowHeight}
        height={height}
        overscan={30}
        scrollTo={scrollTo}
        followEnd={followEnd}
        renderRow={(index) => {
          const text = lineAt(index);
          return (
            <div className={`flex whitespace-pre ${selected === index ? 'bg-yellow-900/60' : ''}`} data-line={index + 1} style={{ lineHeight: `${rowHeight}px` }}>
              <a
                href={`#L${index + 1}`}
                id={`L${index + 1}`}
                className="w-16 shrink-0 select-none pr-3 text-right text-slate-500 hover:text-slate-300"
                onClick={(event) => {
                  event.preventDefault();
                  onSelect(index);
                }}
              >
                {index + 1}
              </a>
              <span className="overflow-hidden">{text === undefined ? <span className="text-slate-600">…</span> : <LogLine text={text} />}</span>
            </div>
          );
        }}
      />
    </div>
  );
}

/**
 * A stored text file of any size: pages of lines are fetched by number as
 * they scroll into view (a few hundred KB at most), searching runs on the
 * server and jumps to the matching line.
 */
export function LogViewer({ fileApi, size }: { fileApi: string; size: number }) {
  const pages = useRef(new Map<number, string[]>());
  const requested = useRef(new Set<number>());
  const [lineCount, setLineCount] = useState<number | null>(null);
  const [complete, setComplete] = useState(false);
  const [version, setVersion] = useState(0);
  const [selected, setSelected] = useState<number | null>(null);
  const [scrollTo, setScrollTo] = useState<ScrollTarget | undefined>();
  const [query, setQuery] = useState('');
  const [search, setSearch] = useState<{ query: string; matchCase: boolean; result: SearchResult; current: number } | null>(null);
  const [matchCase, setMatchCase] = useState(false);
  const [searching, setSearching] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const loadPage = useCallback(
    async (page: number) => {
      if (requested.current.has(page)) return;
      requested.current.add(page);
      try {
        const response = await fetch(`${fileApi}/lines?from=${page * pageLines}&count=${pageLines}`);
        if (!response.ok) throw new Error(`reading the file failed: ${response.status}`);
        const body = (await response.json()) as LogLines;
        pages.current.set(page, body.lines);
        // Forget the pages read longest ago: memory stays bounded however far one scrolls.
        while (pages.current.size > keptPages) {
          const oldest = pages.current.keys().next().value!;
          pages.current.delete(oldest);
          requested.current.delete(oldest);
        }
        setLineCount((current) => body.totalLines ?? Math.max(current ?? 0, body.knownLines, body.from + body.lines.length));
        if (body.totalLines !== null) setComplete(true);
        setVersion((current) => current + 1);
      } catch (failure) {
        requested.current.delete(page);
        setError((failure as Error).message);
      }
    },
    [fileApi],
  );

  const jumpTo = useCallback((line: number) => {
    setSelected(line);
    setScrollTo((current) => ({ index: line, key: (current?.key ?? 0) + 1 }));
  }, []);

  useEffect(() => {
    const target = lineFromHash();
    void loadPage(Math.floor((target ?? 0) / pageLines));
    if (target !== null) jumpTo(target);
    // The line count once the whole file is indexed (the first lines do not wait for it).
    fetch(`${fileApi}/lines?count=0&wait=1`)
      .then((response) => (response.ok ? (response.json() as Promise<LogLines>) : null))
      .then((body) => {
        if (body?.totalLines != null) {
          setLineCount(body.totalLines);
          setComplete(true);
        }
      })
      .catch(() => {});
  }, [fileApi, loadPage, jumpTo]);

  const onSelect = useCallback((line: number) => {
    setSelected(line);
    window.history.replaceState(null, '', `#L${line + 1}`);
  }, []);

  const lineAt = useCallback(
    (index: number) => {
      const page = Math.floor(index / pageLines);
      const lines = pages.current.get(page);
      if (!lines) {
        void loadPage(page);
        return undefined;
      }
      return lines[index - page * pageLines];
    },
    // version: a page arrived.
    [loadPage, version],
  );

  async function runSearch(text: string, withCase: boolean, fromLine: number, existing: SearchResult | null) {
    setSearching(true);
    setError(null);
    try {
      const parameters = new URLSearchParams({ q: text, from: String(fromLine), limit: '200', case: withCase ? 'sensitive' : 'insensitive' });
      const response = await fetch(`${fileApi}/search?${parameters}`);
      if (!response.ok) throw new Error(`search failed: ${response.status}`);
      const found = (await response.json()) as SearchResult;
      const result = existing ? { matches: [...existing.matches, ...found.matches], nextLine: found.nextLine } : found;
      const current = existing ? existing.matches.length : 0;
      setSearch({ query: text, matchCase: withCase, result, current });
      const match = result.matches[current];
      if (match) jumpTo(match.line);
    } catch (failure) {
      setError((failure as Error).message);
    } finally {
      setSearching(false);
    }
  }

  function onSubmit(event: FormEvent) {
    event.preventDefault();
    if (!query) return;
    if (search && search.query === query && search.matchCase === matchCase) step(1);
    else void runSearch(query, matchCase, 0, null);
  }

  function step(by: number) {
    if (!search) return;
    const index = search.current + by;
    if (index >= search.result.matches.length) {
      if (search.result.nextLine !== null) void runSearch(search.query, search.matchCase, search.result.nextLine, search.result);
      return;
    }
    if (index < 0) return;
    setSearch({ ...search, current: index });
    jumpTo(search.result.matches[index]!.line);
  }

  const count = lineCount ?? 0;
  return (
    <div>
      <form className="mb-2 flex items-center gap-2" onSubmit={onSubmit}>
        <input className="input w-72" placeholder="search this file" aria-label="search" value={query} onChange={(event) => setQuery(event.target.value)} />
        <label className="flex items-center gap-1 text-xs text-slate-600">
          <input type="checkbox" checked={matchCase} onChange={(event) => setMatchCase(event.target.checked)} />
          Match case
        </label>
        <button className="btn-quiet" type="submit" disabled={searching}>
          {searching ? 'searching…' : 'Find'}
        </button>
        {search && (
          <>
            <button type="button" className="btn-quiet" onClick={() => step(-1)}>
              ↑
            </button>
            <button type="button" className="btn-quiet" onClick={() => step(1)}>
              ↓
            </button>
            <span className="text-xs text-slate-600" data-testid="search-status">
              {search.result.matches.length === 0
                ? 'no matches'
                : `match ${search.current + 1} of ${search.result.matches.length}${search.result.nextLine !== null ? '+' : ''} (line ${search.result.matches[search.current]!.line + 1})`}
            </span>
          </>
        )}
        <span className="flex-1" />
        <span className="text-xs text-slate-500" data-testid="line-count">
          {count.toLocaleString('en')}
          {complete ? '' : '+'} lines, {formatBytes(size)}
        </span>
      </form>
      {error && <p className="mb-2 text-sm text-red-700">{error}</p>}
      <LogLines count={count} lineAt={lineAt} selected={selected} onSelect={onSelect} scrollTo={scrollTo} testId="log-viewer" />
    </div>
  );
}
