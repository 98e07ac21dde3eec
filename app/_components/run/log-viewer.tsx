'use client';

import { useRouter } from 'next/navigation';
import { useCallback, useEffect, useMemo, useReducer, useRef, useState, type FormEvent } from 'react';
import type { SequencedRunEvent } from '@/lib/shared/events/catalogue';
import { outputEventNames, type TestOutputChunk } from '@/lib/shared/events/output';
import { liveEventNames, rooms } from '@/lib/shared/rooms';
import type { LogLines as LinesPage, SearchResult } from '@/lib/server/logs/log-file';
import { copyText } from './copy-text';
import { formatBytes } from './format-bytes';
import { LineCache, pageLines } from './line-cache';
import { LogLine } from './log-line';
import { openLiveSocket } from './live-socket';
import { WindowedList, type ScrollTarget } from './windowed-list';
import { messageOf } from '@/lib/shared/errors';

const rowHeight = 18;

/** Selected lines, from 0, `from` ≤ `to`. */
export interface LineRange {
  from: number;
  to: number;
}

/** `#L12` or `#L12-L20` (GitHub's form; `#L12-20` too), numbered from 1. */
export function rangeFromHash(hash: string): LineRange | null {
  const match = /^#L(\d{1,9})(?:-L?(\d{1,9}))?$/.exec(hash);
  if (!match) return null;
  const first = Number(match[1]) - 1;
  const last = match[2] ? Number(match[2]) - 1 : first;
  if (first < 0 || last < 0) return null;
  return { from: Math.min(first, last), to: Math.max(first, last) };
}

/** Dispatched on window when the selected lines (the URL's #L… fragment) change. */
export const lineSelectionEvent = 'testyard:line-selection';

export function hashOf(range: LineRange): string {
  return range.from === range.to ? `#L${range.from + 1}` : `#L${range.from + 1}-L${range.to + 1}`;
}

/** Line rows shared by every log: numbers that select (shift-click selects a block), the selection highlighted, a copy-link button per line. */
export function LogLines({
  count,
  lineAt,
  selection,
  onSelect,
  scrollTo,
  followEnd = false,
  testId,
}: {
  count: number;
  lineAt: (index: number) => string | undefined;
  selection: LineRange | null;
  onSelect: (index: number, extend: boolean) => void;
  scrollTo?: ScrollTarget;
  followEnd?: boolean;
  testId: string;
}) {
  const [height, setHeight] = useState(600);
  const [copied, setCopied] = useState<number | null>(null);
  useEffect(() => setHeight(Math.max(300, window.innerHeight - 260)), []);
  const copyLink = async (index: number) => {
    const range = selection && index >= selection.from && index <= selection.to ? selection : { from: index, to: index };
    const { origin, pathname, search } = window.location;
    if (await copyText(`${origin}${pathname}${search}${hashOf(range)}`)) {
      setCopied(index);
      setTimeout(() => setCopied((current) => (current === index ? null : current)), 1500);
    }
  };
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
          const selected = selection !== null && index >= selection.from && index <= selection.to;
          return (
            <div
              className={`group flex whitespace-pre ${selected ? 'bg-yellow-900/60' : ''}`}
              data-line={index + 1}
              data-selected={selected || undefined}
              style={{ lineHeight: `${rowHeight}px` }}
            >
              <button
                type="button"
                title="Copy a link to this line"
                aria-label={`copy link to line ${index + 1}`}
                className={`w-5 shrink-0 text-slate-500 hover:text-slate-200 ${selected || copied === index ? '' : 'invisible group-hover:visible'}`}
                onClick={() => void copyLink(index)}
                data-testid="copy-line-link"
              >
                {copied === index ? '✓' : '⧉'}
              </button>
              <a
                href={`#L${index + 1}`}
                id={`L${index + 1}`}
                className="w-14 shrink-0 select-none pr-3 text-right text-slate-500 hover:text-slate-300"
                onClick={(event) => {
                  event.preventDefault();
                  onSelect(index, event.shiftKey);
                }}
              >
                {index + 1}
              </a>
              <span className="overflow-hidden">
                {text === undefined ? <span className="text-slate-600">…</span> : <LogLine text={text} />}
              </span>
            </div>
          );
        }}
      />
    </div>
  );
}

/**
 * Where a viewer reads a text file: `/lines` and `/search` endpoints (with
 * `params` added to each request); `growing` while a test still writes it.
 */
export interface LogSource {
  lines: string;
  search: string;
  params?: Record<string, string>;
  growing: boolean;
}

/** A running attempt whose pushed output a viewer follows. */
export interface LiveFeed {
  runId: string;
  platform: string;
  test: string;
  attempt: number;
}

function urlOf(base: string, params: Record<string, string>): string {
  return `${base}?${new URLSearchParams(params)}`;
}

/**
 * A text file of any size, stored or still being written: pages of lines
 * are fetched by number as they scroll into view, search runs on the server
 * and jumps to the matching line, `#L12` / `#L12-L20` select lines. With a
 * `feed`, the output a running test prints is pushed in as it is printed and
 * followed; when the attempt ends the page refreshes and the same viewer goes
 * on with the stored file, where it was.
 */
export function LogViewer({ source, size, feed }: { source: LogSource; size: number | null; feed?: LiveFeed }) {
  const cache = useRef(new LineCache());
  const [, redraw] = useReducer((version: number) => version + 1, 0);
  const [complete, setComplete] = useState(false);
  const [selection, setSelection] = useState<LineRange | null>(null);
  const [scrollTo, setScrollTo] = useState<ScrollTarget | undefined>();
  const [query, setQuery] = useState('');
  const [search, setSearch] = useState<{ query: string; matchCase: boolean; result: SearchResult; current: number } | null>(null);
  const [matchCase, setMatchCase] = useState(false);
  const [searching, setSearching] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [liveState, setLiveState] = useState<'connecting' | 'live' | 'refused' | null>(feed ? 'connecting' : null);
  const router = useRouter();
  // the page is rendered again on the server after a refresh: compare the parameters by value
  const paramsKey = JSON.stringify(source.params ?? {});
  const params = useMemo(() => JSON.parse(paramsKey) as Record<string, string>, [paramsKey]);

  const loadPage = useCallback(
    async (page: number) => {
      if (!cache.current.claimPage(page)) return;
      try {
        const response = await fetch(urlOf(source.lines, { ...params, from: String(page * pageLines), count: String(pageLines) }));
        if (!response.ok) throw new Error(`reading the file failed: ${response.status}`);
        const body = (await response.json()) as LinesPage;
        cache.current.addPage(page, body.lines, body.totalLines ?? body.knownLines);
        if (body.totalLines !== null) setComplete(true);
        redraw();
      } catch (failure) {
        cache.current.pageFailed(page);
        setError(messageOf(failure));
      }
    },
    [source.lines, params],
  );

  const jumpTo = useCallback((range: LineRange) => {
    setSelection(range);
    setScrollTo((current) => ({ index: range.from, key: (current?.key ?? 0) + 1 }));
  }, []);

  // Where the file starts being read: the linked line's page, and the line count.
  useEffect(() => {
    if (!source.growing) cache.current.settle();
    const linked = rangeFromHash(window.location.hash);
    if (linked) {
      jumpTo(linked);
      void loadPage(Math.floor(linked.from / pageLines));
    }
    const controller = new AbortController();
    fetch(urlOf(source.lines, { ...params, count: '0', ...(source.growing ? {} : { wait: '1' }) }), { signal: controller.signal })
      .then(async (response) => {
        if (response.status === 410) router.refresh();
        if (!response.ok) return;
        const body = (await response.json()) as LinesPage;
        cache.current.setServerLines(body.totalLines ?? body.knownLines);
        if (body.totalLines !== null) setComplete(true);
        redraw();
      })
      .catch((failure: unknown) => {
        if (!controller.signal.aborted) setError(`reading the file failed: ${messageOf(failure)}`);
      });
    return () => controller.abort();
  }, [source.lines, source.growing, params, loadPage, jumpTo, router]);

  useEffect(() => {
    const onHashChange = () => {
      const linked = rangeFromHash(window.location.hash);
      if (linked) jumpTo(linked);
    };
    window.addEventListener('hashchange', onHashChange);
    return () => window.removeEventListener('hashchange', onHashChange);
  }, [jumpTo]);

  // A running attempt: its output as it is printed; when it has been stored, the page shows the stored file.
  useEffect(() => {
    if (!feed || !source.growing) return;
    const ours = (item: { platform: string; test: string; attempt: number }) =>
      item.platform === feed.platform && item.test === feed.test && item.attempt === feed.attempt;
    const socket = openLiveSocket(
      [rooms.run(feed.runId), rooms.attemptOutput(feed.runId, feed)],
      {
        [outputEventNames.chunk]: (chunk: TestOutputChunk) => {
          if (!ours(chunk)) return;
          cache.current.addChunk(chunk);
          redraw();
        },
        [liveEventNames.runEvents]: (events: SequencedRunEvent[]) => {
          if (events.some(({ event }) => event.type === 'result.ingested' && ours(event))) router.refresh();
        },
      },
      (joined) => {
        setLiveState(joined ? 'live' : 'refused');
        // it may have ended while the page loaded or the connection was down
        void fetch(urlOf(source.lines, { ...params, count: '0' })).then((response) => response.status === 410 && router.refresh());
      },
      () => setLiveState('connecting'),
    );
    return () => {
      socket.close();
    };
  }, [feed, source.growing, source.lines, params, router]);

  const onSelect = useCallback((line: number, extend: boolean) => {
    setSelection((current) => {
      const next = extend && current ? { from: Math.min(current.from, line), to: Math.max(current.to, line) } : { from: line, to: line };
      window.history.replaceState(null, '', hashOf(next));
      // replaceState fires no hashchange: presence and the bug report summary listen for this instead
      window.dispatchEvent(new Event(lineSelectionEvent));
      return next;
    });
  }, []);

  const lineAt = (index: number) => {
    // pushed lines are shown as they come; a stored file's pages replace them
    if (!cache.current.hasPaged(index) && (!source.growing || cache.current.lineAt(index) === undefined))
      void loadPage(Math.floor(index / pageLines));
    return cache.current.lineAt(index);
  };

  async function runSearch(text: string, withCase: boolean, fromLine: number, existing: SearchResult | null) {
    setSearching(true);
    setError(null);
    try {
      const response = await fetch(
        urlOf(source.search, { ...params, q: text, from: String(fromLine), limit: '200', case: withCase ? 'sensitive' : 'insensitive' }),
      );
      if (!response.ok) throw new Error(`search failed: ${response.status}`);
      const found = (await response.json()) as SearchResult;
      const result = existing ? { matches: [...existing.matches, ...found.matches], nextLine: found.nextLine } : found;
      const current = existing ? existing.matches.length : 0;
      setSearch({ query: text, matchCase: withCase, result, current });
      const match = result.matches[current];
      if (match) jumpTo({ from: match.line, to: match.line });
    } catch (failure) {
      setError(messageOf(failure));
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
      // a growing file may have more by now, whatever the last answer said
      const from = search.result.nextLine ?? (source.growing ? (search.result.matches.at(-1)?.line ?? -1) + 1 : null);
      if (from !== null) void runSearch(search.query, search.matchCase, from, search.result);
      return;
    }
    if (index < 0) return;
    setSearch({ ...search, current: index });
    const line = search.result.matches[index]!.line;
    jumpTo({ from: line, to: line });
  }

  const count = cache.current.count;
  return (
    <div>
      <form className="mb-2 flex items-center gap-2" onSubmit={onSubmit}>
        <input
          className="input w-72"
          placeholder="search this file"
          aria-label="search"
          value={query}
          onChange={(event) => setQuery(event.target.value)}
        />
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
                : `match ${search.current + 1} of ${search.result.matches.length}${search.result.nextLine !== null || source.growing ? '+' : ''} (line ${search.result.matches[search.current]!.line + 1})`}
            </span>
          </>
        )}
        <span className="flex-1" />
        {liveState && source.growing && (
          <span className={`text-xs ${liveState === 'live' ? 'text-green-700' : 'text-slate-500'}`} data-testid="live-output-state">
            {liveState === 'live'
              ? 'running: following its output live'
              : liveState === 'refused'
                ? 'live output was refused'
                : 'connecting…'}
          </span>
        )}
        <span className="text-xs text-slate-500" data-testid="line-count">
          {count.toLocaleString('en')}
          {complete ? '' : '+'} lines{size !== null && !source.growing ? `, ${formatBytes(size)}` : ''}
        </span>
      </form>
      {error && <p className="mb-2 text-sm text-red-700">{error}</p>}
      <LogLines
        count={count}
        lineAt={lineAt}
        selection={selection}
        onSelect={onSelect}
        scrollTo={scrollTo}
        followEnd={source.growing}
        testId="log-viewer"
      />
    </div>
  );
}
