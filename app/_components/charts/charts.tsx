import Link from 'next/link';
import type { ReactNode } from 'react';

/** One point of a chart: where it sits, what it says, and the page behind it. */
export interface ChartPoint {
  /** Position along the x axis (e.g. the run number). */
  x: number;
  y: number;
  label: string;
  href?: string;
  /** A colour class for the point, e.g. its status. */
  tone?: 'good' | 'bad' | 'neutral' | 'warn';
}

export interface ChartSeries {
  name: string;
  points: ChartPoint[];
}

const width = 720;
const height = 220;
const margin = { top: 12, right: 16, bottom: 28, left: 56 };
const seriesColours = ['#4f46e5', '#0891b2', '#c026d3', '#ea580c', '#16a34a', '#64748b'];
const toneColours = { good: '#16a34a', bad: '#dc2626', warn: '#d97706', neutral: '#4f46e5' };

function scale(domain: [number, number], range: [number, number]): (value: number) => number {
  const [d0, d1] = domain;
  const [r0, r1] = range;
  return (value) => (d1 === d0 ? (r0 + r1) / 2 : r0 + ((value - d0) / (d1 - d0)) * (r1 - r0));
}

function ticks(max: number, count = 4): number[] {
  return Array.from({ length: count + 1 }, (_, index) => (max * index) / count);
}

/**
 * A figure with its numbers: the SVG for those who look, and the same
 * numbers as a table (in a <details>) for those who read or use a screen
 * reader. Every point is a link to the page behind it.
 */
function Figure({
  title,
  summary,
  chart,
  table,
  testId,
}: {
  title: string;
  summary: string;
  chart: ReactNode;
  table: ReactNode;
  testId: string;
}) {
  return (
    <figure className="card" data-testid={testId}>
      <figcaption className="mb-2 font-semibold">{title}</figcaption>
      <div className="overflow-x-auto">{chart}</div>
      <details className="mt-2 text-sm">
        <summary className="cursor-pointer text-slate-600">{summary}</summary>
        <div className="mt-2 max-h-80 overflow-auto">{table}</div>
      </details>
    </figure>
  );
}

/** Points over x joined by lines, one line per series; y from 0 to `yMax` (or the data's maximum). */
export function LineChart({
  title,
  series,
  yMax,
  formatY,
  xLabel,
  testId,
}: {
  title: string;
  series: ChartSeries[];
  yMax?: number;
  formatY: (value: number) => string;
  xLabel: string;
  testId: string;
}) {
  const all = series.flatMap((line) => line.points);
  if (all.length === 0) return <EmptyFigure title={title} testId={testId} />;
  const xs = all.map((point) => point.x);
  const top = yMax ?? Math.max(...all.map((point) => point.y), 0) * 1.1;
  const x = scale([Math.min(...xs), Math.max(...xs)], [margin.left, width - margin.right]);
  const y = scale([0, top || 1], [height - margin.bottom, margin.top]);
  const chart = (
    <svg viewBox={`0 0 ${width} ${height}`} className="h-auto w-full min-w-[36rem]" role="img" aria-label={title}>
      {ticks(top || 1).map((tick) => (
        <g key={tick}>
          <line x1={margin.left} x2={width - margin.right} y1={y(tick)} y2={y(tick)} stroke="#e2e8f0" />
          <text x={margin.left - 6} y={y(tick) + 4} textAnchor="end" fontSize="11" fill="#64748b">
            {formatY(tick)}
          </text>
        </g>
      ))}
      <text x={(margin.left + width - margin.right) / 2} y={height - 6} textAnchor="middle" fontSize="11" fill="#64748b">
        {xLabel} {Math.min(...xs)}–{Math.max(...xs)}
      </text>
      {series.map((line, index) => {
        const colour = seriesColours[index % seriesColours.length]!;
        return (
          <g key={line.name}>
            <polyline
              fill="none"
              stroke={colour}
              strokeWidth="1.5"
              points={line.points.map((point) => `${x(point.x)},${y(point.y)}`).join(' ')}
            />
            {line.points.map((point) => (
              <Dot key={point.x} point={point} cx={x(point.x)} cy={y(point.y)} colour={point.tone ? toneColours[point.tone] : colour} />
            ))}
          </g>
        );
      })}
    </svg>
  );
  const table = (
    <table className="table">
      <thead>
        <tr>
          {series.length > 1 && <th>Series</th>}
          <th>{xLabel}</th>
          <th>Value</th>
        </tr>
      </thead>
      <tbody>
        {series.flatMap((line) =>
          line.points.map((point) => (
            <tr key={`${line.name}:${point.x}`}>
              {series.length > 1 && <td>{line.name}</td>}
              <td>{point.href ? <Link href={point.href}>{point.x}</Link> : point.x}</td>
              <td>{point.label}</td>
            </tr>
          )),
        )}
      </tbody>
    </table>
  );
  return (
    <Figure
      title={title}
      testId={testId}
      chart={
        <>
          {series.length > 1 && <Legend names={series.map((line) => line.name)} />}
          {chart}
        </>
      }
      summary="The numbers"
      table={table}
    />
  );
}

function Dot({ point, cx, cy, colour }: { point: ChartPoint; cx: number; cy: number; colour: string }) {
  const circle = (
    <circle cx={cx} cy={cy} r="4" fill={colour} stroke="white" strokeWidth="1">
      <title>{point.label}</title>
    </circle>
  );
  return point.href ? (
    <a href={point.href} aria-label={point.label} data-testid="chart-point">
      {circle}
    </a>
  ) : (
    circle
  );
}

function Legend({ names }: { names: string[] }) {
  return (
    <ul className="mb-1 flex flex-wrap gap-3 text-xs text-slate-600">
      {names.map((name, index) => (
        <li key={name} className="flex items-center gap-1">
          <span className="inline-block h-2 w-3 rounded" style={{ background: seriesColours[index % seriesColours.length] }} />
          {name}
        </li>
      ))}
    </ul>
  );
}

export interface Bar {
  label: string;
  value: number;
  /** What the value says, e.g. "12 attempts". */
  text: string;
  href?: string;
}

/** Horizontal bars, longest scale first as given. */
export function BarChart({ title, bars, testId }: { title: string; bars: Bar[]; testId: string }) {
  if (bars.length === 0) return <EmptyFigure title={title} testId={testId} />;
  const max = Math.max(...bars.map((bar) => bar.value)) || 1;
  const rowHeight = 22;
  const labelWidth = 280;
  const barWidth = width - labelWidth - 220;
  const chart = (
    <svg viewBox={`0 0 ${width} ${bars.length * rowHeight + 4}`} className="h-auto w-full min-w-[36rem]" role="img" aria-label={title}>
      {bars.map((bar, index) => {
        const body = (
          <g>
            <text x={labelWidth - 6} y={index * rowHeight + 15} textAnchor="end" fontSize="11" fill="#334155">
              {bar.label.length > 40 ? `…${bar.label.slice(-39)}` : bar.label}
            </text>
            <rect
              x={labelWidth}
              y={index * rowHeight + 4}
              height={rowHeight - 8}
              width={Math.max(1, (bar.value / max) * barWidth)}
              fill="#4f46e5"
            >
              <title>{`${bar.label}: ${bar.text}`}</title>
            </rect>
            <text x={labelWidth + (bar.value / max) * barWidth + 6} y={index * rowHeight + 15} fontSize="11" fill="#64748b">
              {bar.text}
            </text>
          </g>
        );
        return bar.href ? (
          <a key={bar.label} href={bar.href} aria-label={`${bar.label}: ${bar.text}`} data-testid="chart-bar">
            {body}
          </a>
        ) : (
          <g key={bar.label}>{body}</g>
        );
      })}
    </svg>
  );
  const table = (
    <table className="table">
      <tbody>
        {bars.map((bar) => (
          <tr key={bar.label}>
            <td className="font-mono text-xs">{bar.href ? <Link href={bar.href}>{bar.label}</Link> : bar.label}</td>
            <td>{bar.text}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
  return <Figure title={title} testId={testId} chart={chart} summary="The numbers" table={table} />;
}

function EmptyFigure({ title, testId }: { title: string; testId: string }) {
  return (
    <figure className="card" data-testid={testId}>
      <figcaption className="mb-2 font-semibold">{title}</figcaption>
      <p className="text-sm text-slate-500">No finished runs yet.</p>
    </figure>
  );
}

/** 1.2 s, 3 min 5 s, 1 h 2 min. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const seconds = ms / 1000;
  if (seconds < 60) return `${seconds.toFixed(seconds < 10 ? 1 : 0)} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min ${Math.round(seconds % 60)} s`;
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}
