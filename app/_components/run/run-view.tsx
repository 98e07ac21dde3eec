'use client';

import { useRouter } from 'next/navigation';
import { useCallback, useEffect, useRef, useState } from 'react';
import type { SequencedRunEvent } from '@/lib/shared/events/catalogue';
import type { RunDetails } from '@/lib/server/runs/details';
import { useApi } from '../../_lib/api-client';
import { resultPath, runApiPath } from '@/lib/shared/result-paths';
import type { LiveResult } from './results-table';
import { ResultsTable } from './results-table';
import type { TestOutputChunk } from '@/lib/shared/events/output';
import { applyOutputTail, applyRunEvents, stateFromDetails, type LiveRunState, type PlatformProgress } from '@/lib/shared/live-state';
import { StatusBadge } from './status-badge';
import { useRunEvents } from './use-run-events';
import { useTriage } from './use-triage';

/** RunDetails as it reaches the browser (dates as strings). */
export type RunSnapshot = Omit<RunDetails, 'createdAt' | 'startedAt' | 'finishedAt' | 'platforms'> & {
  createdAt: string;
  platforms: {
    name: string;
    status: string;
    tests: { total: number; byStatus: Record<string, number> };
    waitingReason: string | null;
    plannedTests: number | null;
  }[];
};

const activeStatuses = ['queued', 'running'];

/**
 * The run page: everything on it follows the run's events live, from `live`
 * (the state the server folded, up to event `lastSeq`) on. A run that had
 * ended when the page was rendered is shown from its details alone.
 */
export function RunView({
  team,
  run,
  live: snapshot,
  canRun,
}: {
  team: string;
  run: RunSnapshot;
  live: { state: LiveRunState; lastSeq: number } | null;
  canRun: boolean;
}) {
  const apiBase = runApiPath(team, run.number);
  const [state, setState] = useState(() => snapshot?.state ?? stateFromDetails(run));
  const [live, setLive] = useState<LiveResult[]>([]);
  const triage = useTriage(apiBase, run.triage);
  const onTriageEvents = triage.onEvents;
  const onEvents = useCallback(
    (events: SequencedRunEvent[]) => {
      onTriageEvents(events);
      setState((current) => applyRunEvents(current, events));
      const results = events.flatMap(({ event }) =>
        event.type === 'result.ingested'
          ? [{ platform: event.platform, testName: event.test, status: event.status, attempt: event.attempt }]
          : [],
      );
      if (results.length) setLive((current) => [...current, ...results]);
    },
    [onTriageEvents],
  );
  const onOutputTail = useCallback((chunk: TestOutputChunk) => setState((current) => applyOutputTail(current, chunk)), []);
  const [follow] = useState(() => activeStatuses.includes(run.status));
  // An ended run is followed too, from its last event: triage goes on after it.
  const { connected, error } = useRunEvents(apiBase, run.id, onEvents, {
    follow: true,
    startAfter: snapshot?.lastSeq ?? run.lastSeq,
    onOutputTail,
  });
  const { call, error: actionError, busy } = useApi();
  const router = useRouter();
  const active = activeStatuses.includes(state.status);
  const platforms = Object.values(state.platforms).sort((a, b) => a.name.localeCompare(b.name));
  const pool = Object.values(state.pool).filter((system) => system.state !== 'released');
  const released = Object.keys(state.pool).length - pool.length;
  const running = Object.values(state.running);
  const waitingReasons = new Map(run.platforms.map((platform) => [platform.name, platform.waitingReason]));

  async function rerunFailed() {
    const created = await call<{ number: number }>('POST', `${apiBase}/rerun-failed`);
    if (created) router.push(`/t/${team}/runs/${created.number}`);
  }

  return (
    <div className="space-y-4">
      <section className="card">
        <div className="flex flex-wrap items-center gap-3">
          <h2 className="text-lg font-semibold">Run #{run.number}</h2>
          <span data-testid="run-status">
            <StatusBadge status={state.status} />
          </span>
          <span className="text-sm text-slate-500">
            {run.plan}
            {run.commit ? ` @ ${run.commit.slice(0, 12)}` : ''}
          </span>
          {follow && (
            <span className={`text-xs ${connected ? 'text-green-700' : 'text-slate-500'}`} data-testid="live-state">
              {connected ? 'live' : 'connecting…'}
            </span>
          )}
          <span className="text-sm text-slate-600" data-testid="triage-counts">
            {triage.summary.failures} {triage.summary.failures === 1 ? 'failure' : 'failures'}, {triage.summary.triaged} triaged
            {triage.summary.waived > 0 ? `, ${triage.summary.waived} waived` : ''}
          </span>
          <span className="flex-1" />
          {canRun && active && (
            <button type="button" className="btn-danger" disabled={busy} onClick={() => void call('POST', `${apiBase}/cancel`)}>
              Cancel run
            </button>
          )}
          {canRun && !active && (
            <button type="button" className="btn-quiet" disabled={busy} onClick={() => void rerunFailed()} data-testid="rerun-failed">
              Re-run failed tests
            </button>
          )}
          <a className="btn-quiet" href={`/t/${team}/runs/${run.number}/compare`} data-testid="compare-previous">
            Compare with previous
          </a>
          <a className="btn-quiet" href={`${apiBase}/export.jsonl`}>
            JSONL
          </a>
          <a className="btn-quiet" href={`${apiBase}/export.junit.xml`}>
            JUnit
          </a>
        </div>
        {run.error && <p className="mt-2 text-sm text-red-700">{run.error}</p>}
        {(error || actionError) && <p className="mt-2 text-sm text-red-700">{error ?? actionError}</p>}
        <div className="mt-4 space-y-2">
          {platforms.map((platform) => (
            <PlatformBar key={platform.name} platform={platform} waitingReason={waitingReasons.get(platform.name) ?? null} />
          ))}
        </div>
      </section>

      <div className="grid gap-4 md:grid-cols-2">
        <section className="card" data-testid="pool">
          <h2 className="mb-2 font-semibold">Systems</h2>
          {Object.entries(state.provisioning).map(([platform, count]) =>
            count > 0 ? (
              <p key={platform} className="text-sm text-slate-600">
                {platform}: provisioning {count}
              </p>
            ) : null,
          )}
          <ul className="space-y-1 text-sm">
            {pool.map((system) => (
              <li key={system.remote} className="flex gap-2" data-testid="pool-system">
                <span className="max-w-[14rem] truncate font-mono text-xs text-slate-500" title={system.remote}>
                  {system.remote}
                </span>
                <span>{system.platform}</span>
                <span className="text-slate-600">{system.state === 'running' ? `running ${system.test}` : system.state}</span>
              </li>
            ))}
          </ul>
          {released > 0 && <p className="mt-1 text-xs text-slate-500">{released} released</p>}
          {pool.length === 0 && released === 0 && <p className="text-sm text-slate-500">No systems yet.</p>}
        </section>
        <section className="card" data-testid="running-tests">
          <h2 className="mb-2 font-semibold">Running tests</h2>
          {running.length === 0 && <p className="text-sm text-slate-500">None right now.</p>}
          {running.map((test) => (
            <div key={`${test.platform}/${test.test}/${test.attempt}`} className="mb-3">
              <a
                className="text-sm text-indigo-700 hover:underline"
                href={resultPath(team, run.number, test.platform, test.test, { attempt: test.attempt })}
              >
                {test.test}
              </a>
              <span className="ml-2 text-xs text-slate-500">
                {test.platform}, attempt {test.attempt}
              </span>
              <OutputTail text={test.output.text} />
            </div>
          ))}
        </section>
      </div>

      <ResultsTable
        team={team}
        runNumber={run.number}
        apiBase={apiBase}
        platforms={run.platforms.map((platform) => platform.name)}
        live={live}
        triageEvents={triage.events}
        reloadKey={triage.reloadKey}
        canTriage={canRun}
      />
    </div>
  );
}

/** A running test's newest output, scrolled to its end as it grows (unless the reader scrolled up). */
function OutputTail({ text }: { text: string }) {
  const box = useRef<HTMLPreElement>(null);
  const following = useRef(true);
  useEffect(() => {
    if (box.current && following.current) box.current.scrollTop = box.current.scrollHeight;
  }, [text]);
  return (
    <pre
      ref={box}
      className="mt-1 max-h-32 overflow-auto rounded bg-slate-900 p-2 text-xs text-slate-100"
      data-testid="running-test-output"
      onScroll={(event) => {
        const element = event.currentTarget;
        following.current = element.scrollTop + element.clientHeight >= element.scrollHeight - 4;
      }}
    >
      {text.replace(/\n$/, '') || '…'}
    </pre>
  );
}

/** `waitingReason` is from when the page was loaded; it shows only while the platform is still queued. */
function PlatformBar({ platform, waitingReason }: { platform: PlatformProgress; waitingReason: string | null }) {
  const percent = (count: number) => (platform.total ? (100 * count) / platform.total : 0);
  return (
    <div data-testid="platform-progress" data-platform={platform.name}>
      {platform.status === 'queued' && waitingReason && (
        <p className="mb-1 text-xs text-amber-700" data-testid="platform-waiting">
          Waiting: {waitingReason} (see{' '}
          <a className="underline" href="/health">
            health
          </a>
          ).
        </p>
      )}
      <div className="flex justify-between text-xs text-slate-600">
        <span>
          {platform.name} <StatusBadge status={platform.status} />
        </span>
        <span>
          {platform.done}/{platform.total} done, {platform.passed} passed, {platform.failed} failed, {platform.running} running
        </span>
      </div>
      <div className="mt-1 flex h-2 overflow-hidden rounded bg-slate-100">
        <div className="bg-green-500" style={{ width: `${percent(platform.passed)}%` }} />
        <div className="bg-red-500" style={{ width: `${percent(platform.failed)}%` }} />
        <div className="bg-blue-400" style={{ width: `${percent(platform.running)}%` }} />
      </div>
    </div>
  );
}
