'use client';

import { useEffect, useRef, useState, type ReactNode } from 'react';

/** Browsers cap element heights (~33M px in Chromium): taller lists map their scroll range onto this. */
const maxScrollPixels = 15_000_000;
/** How long a jumped-to row stays on screen while the page around it is still loading. */
const anchorMs = 5_000;

export interface ScrollTarget {
  index: number;
  /** A new value scrolls again to the same index. */
  key: number;
}

/**
 * A list of fixed-height rows that renders only the rows in view plus
 * `overscan` on each side, so its cost does not grow with `count`.
 */
export function WindowedList({
  count,
  rowHeight,
  height,
  overscan = 10,
  renderRow,
  onRangeChange,
  scrollTo,
  followEnd = false,
  testId,
}: {
  count: number;
  rowHeight: number;
  height: number;
  overscan?: number;
  renderRow: (index: number) => ReactNode;
  onRangeChange?: (first: number, last: number) => void;
  scrollTo?: ScrollTarget;
  /** Keep the last row in view as rows are added, unless the reader scrolled away. */
  followEnd?: boolean;
  testId?: string;
}) {
  const container = useRef<HTMLDivElement>(null);
  const [scrollTop, setScrollTop] = useState(0);
  const fullHeight = count * rowHeight;
  const scrollHeight = Math.min(fullHeight, maxScrollPixels);
  // Pixels of the full list per pixel of scrolling (1 unless the list is taller than the cap).
  const scale = fullHeight > scrollHeight && scrollHeight > height ? (fullHeight - height) / (scrollHeight - height) : 1;
  const virtualTop = scrollTop * scale;
  const first = Math.max(0, Math.floor(virtualTop / rowHeight) - overscan);
  const last = Math.min(count - 1, Math.ceil((virtualTop + height) / rowHeight) + overscan);
  const atEnd = useRef(true);

  useEffect(() => {
    onRangeChange?.(first, last);
  }, [first, last, onRangeChange]);

  // A jump waits until the list has its target row: a line link opens before the file's lines are counted.
  const pendingJump = useRef<ScrollTarget | undefined>(undefined);
  const revealRow = useRef<number | undefined>(undefined);
  useEffect(() => {
    pendingJump.current = scrollTo;
  }, [scrollTo]);
  useEffect(() => {
    const target = pendingJump.current;
    if (!target || !container.current || target.index >= count) return;
    pendingJump.current = undefined;
    atEnd.current = false;
    container.current.scrollTop = Math.max(0, (target.index * rowHeight - height / 3) / scale);
    setScrollTop(container.current.scrollTop);
    revealRow.current = target.index;
  }, [scrollTo?.index, scrollTo?.key, count, height, scale, rowHeight]);

  // Once the target row is drawn, the page scrolls too if the row is off screen (the list may start below the fold);
  // for a few seconds, until the reader acts, content arriving above it (presence, panels) cannot push it away.
  const stopAnchoring = useRef<(() => void) | undefined>(undefined);
  useEffect(() => {
    if (revealRow.current === undefined || !container.current) return;
    const selector = `[data-row-index="${revealRow.current}"]`;
    if (!container.current.querySelector(selector)) return;
    revealRow.current = undefined;
    const reveal = () => {
      const row = container.current?.querySelector(selector);
      if (!row) return;
      const { top, bottom } = row.getBoundingClientRect();
      if (top < 0 || bottom > window.innerHeight) window.scrollBy({ top: top - window.innerHeight / 3 });
    };
    reveal();
    stopAnchoring.current?.();
    const observer = new ResizeObserver(reveal);
    observer.observe(document.body);
    const readerActs = ['wheel', 'keydown', 'mousedown', 'touchstart'] as const;
    const stop = () => {
      observer.disconnect();
      clearTimeout(timer);
      for (const type of readerActs) window.removeEventListener(type, stop);
      stopAnchoring.current = undefined;
    };
    const timer = setTimeout(stop, anchorMs);
    for (const type of readerActs) window.addEventListener(type, stop, { passive: true });
    stopAnchoring.current = stop;
  });
  useEffect(() => () => stopAnchoring.current?.(), []);

  useEffect(() => {
    if (followEnd && atEnd.current && !pendingJump.current && container.current) {
      container.current.scrollTop = container.current.scrollHeight;
      setScrollTop(container.current.scrollTop);
    }
  }, [followEnd, count]);

  const rows: ReactNode[] = [];
  for (let index = first; index <= last; index++) {
    rows.push(
      <div
        key={index}
        data-row-index={index}
        style={{ position: 'absolute', top: scrollTop + index * rowHeight - virtualTop, height: rowHeight, left: 0, right: 0 }}
      >
        {renderRow(index)}
      </div>,
    );
  }
  return (
    <div
      ref={container}
      data-testid={testId}
      style={{ height, overflowY: 'auto', position: 'relative' }}
      onScroll={(event) => {
        const element = event.currentTarget;
        atEnd.current = element.scrollTop + element.clientHeight >= element.scrollHeight - rowHeight;
        setScrollTop(element.scrollTop);
      }}
    >
      <div style={{ height: scrollHeight, position: 'relative' }}>{rows}</div>
    </div>
  );
}
