'use client';

import Link from 'next/link';
import { useEffect, useRef, useState } from 'react';
import { io } from 'socket.io-client';
import type { RunDetails } from '@/lib/server/runs/details';
import type { RunStatusUpdate } from '@/lib/server/runs/events';

/** A dashboard row; dates as ISO text, as they come from the API. */
export interface RunRow {
  id: string;
  number: number;
  plan: string;
  status: string;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  tests: { total: number; passed: number };
}

const unfinished = new Set(['queued', 'running']);

const statusStyle: Record<string, string> = {
  queued: 'bg-slate-100 text-slate-700',
  running: 'bg-blue-100 text-blue-800',
  passed: 'bg-green-100 text-green-800',
  failed: 'bg-red-100 text-red-800',
  error: 'bg-amber-100 text-amber-800',
  cancelled: 'bg-slate-200 text-slate-600',
};

function rowOf(run: RunDetails & { createdAt: string; startedAt: string | null; finishedAt: string | null }): RunRow {
  const tests = { total: 0, passed: 0 };
  for (const platform of run.platforms) {
    tests.total += platform.tests.total;
    tests.passed += platform.tests.byStatus.pass ?? 0;
  }
  return {
    id: run.id,
    number: run.number,
    plan: run.plan,
    status: run.status,
    createdAt: run.createdAt,
    startedAt: run.startedAt,
    finishedAt: run.finishedAt,
    tests,
  };
}

function formatDuration(ms: number): string {
  const seconds = Math.max(0, Math.round(ms / 1000));
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min ${seconds % 60} s`;
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

/**
 * Recent runs, kept current by the team room's compact run-status events: a
 * row's status changes at once, then its counts and times are re-read from
 * the API (one request per run at a time; events arriving meanwhile cause one more).
 */
export function LiveRuns({ teamSlug, teamId, initial }: { teamSlug: string; teamId: string; initial: RunRow[] }) {
  const [runs, setRuns] = useState(initial);
  const [connected, setConnected] = useState(false);
  const [now, setNow] = useState(() => Date.now());
  const lastSeq = useRef(new Map<string, number>());
  const refreshing = useRef(new Map<string, 'busy' | 'again'>());
  const runsRef = useRef(runs);
  runsRef.current = runs;

  useEffect(() => {
    const api = `/api/v1/teams/${teamSlug}/runs`;
    const upsert = (row: RunRow) =>
      setRuns((current) =>
        current.some((run) => run.id === row.id) ? current.map((run) => (run.id === row.id ? row : run)) : [row, ...current],
      );

    async function refresh(runId: string, number: number): Promise<void> {
      if (refreshing.current.has(runId)) {
        refreshing.current.set(runId, 'again');
        return;
      }
      refreshing.current.set(runId, 'busy');
      try {
        const response = await fetch(`${api}/${number}`);
        if (response.ok) upsert(rowOf(await response.json()));
      } finally {
        const again = refreshing.current.get(runId) === 'again';
        refreshing.current.delete(runId);
        if (again) void refresh(runId, number);
      }
    }

    const socket = io();
    socket.on('connect', async () => {
      await socket.emitWithAck('subscribe', `team:${teamId}`);
      setConnected(true);
      // What changed before the room was joined (since the page was rendered, or while disconnected): re-read every run still going.
      for (const run of runsRef.current) if (unfinished.has(run.status)) void refresh(run.id, run.number);
    });
    socket.on('disconnect', () => setConnected(false));
    socket.on('run-status', (update: RunStatusUpdate) => {
      if ((lastSeq.current.get(update.runId) ?? 0) >= update.seq) return;
      lastSeq.current.set(update.runId, update.seq);
      setRuns((current) => current.map((run) => (run.id === update.runId ? { ...run, status: update.status } : run)));
      void refresh(update.runId, update.number);
    });
    const clock = setInterval(() => setNow(Date.now()), 1000);
    return () => {
      clearInterval(clock);
      socket.close();
    };
  }, [teamSlug, teamId]);

  return (
    <>
      <p className="mb-2 text-xs text-slate-500" data-testid="live-state">
        {connected ? 'live' : 'connecting…'}
      </p>
      {runs.length === 0 && (
        <p className="text-sm text-slate-600" data-testid="no-runs">
          No runs yet. Add a platform and a repository, then start a run.
        </p>
      )}
      <table className={runs.length ? 'table' : 'hidden'} data-testid="runs-table">
        <thead>
          <tr>
            <th>#</th>
            <th>Plan</th>
            <th>Status</th>
            <th>Passed</th>
            <th>Duration</th>
            <th>Created</th>
          </tr>
        </thead>
        <tbody>
          {runs.map((run) => {
            const started = run.startedAt ? Date.parse(run.startedAt) : null;
            const duration = started === null ? null : (run.finishedAt ? Date.parse(run.finishedAt) : now) - started;
            return (
              <tr key={run.id} data-testid={`run-${run.number}`}>
                <td>
                  <Link href={`/t/${teamSlug}/runs/${run.number}`} className="text-indigo-700 hover:underline">
                    {run.number}
                  </Link>
                </td>
                <td className="font-mono text-xs">{run.plan}</td>
                <td>
                  <span className={`rounded px-2 py-0.5 text-xs ${statusStyle[run.status] ?? ''}`} data-testid="run-status">
                    {run.status}
                  </span>
                </td>
                <td data-testid="run-pass-rate">
                  {run.tests.total === 0
                    ? '–'
                    : `${run.tests.passed}/${run.tests.total} (${Math.round((100 * run.tests.passed) / run.tests.total)} %)`}
                </td>
                <td>{duration === null ? '–' : formatDuration(duration)}</td>
                <td className="text-xs text-slate-500">{new Date(run.createdAt).toLocaleString()}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </>
  );
}
