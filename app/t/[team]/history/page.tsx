import Link from 'next/link';
import { db } from '@/lib/server/db/client';
import { getTestHistory, type HistoryRun } from '@/lib/server/history/test-history';
import { formatDuration, LineChart } from '../../../_components/charts/charts';
import { FlakyFlag } from '../../../_components/run/flaky-flag';
import { queryOf, readOrInvalid } from '../../../_components/history/page-query';
import { resultPath } from '@/lib/shared/result-paths';
import { StatusBadge } from '../../../_components/run/status-badge';
import { requireTeamPage } from '../../../_lib/session';

const stripColours: Record<string, string> = {
  pass: 'bg-green-500',
  info: 'bg-green-400',
  flaky: 'bg-amber-400',
  fail: 'bg-red-500',
  warn: 'bg-yellow-400',
  error: 'bg-orange-500',
  skip: 'bg-slate-300',
};

/** One test on one platform across the team's runs: a status strip, durations over time and every run's attempts. */
export default async function TestHistoryPage({
  params,
  searchParams,
}: {
  params: Promise<{ team: string }>;
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const { actor, team } = await requireTeamPage((await params).team);
  const query = queryOf(await searchParams);
  const read = await readOrInvalid(() => getTestHistory(db(), actor, team.slug, query));
  if ('invalid' in read) {
    return (
      <p className="card text-sm text-red-700" role="alert">
        {read.invalid}
      </p>
    );
  }
  const history = read.data;
  const link = (run: HistoryRun, attempt?: number) =>
    resultPath(team.slug, run.number, history.platform, history.test, attempt === undefined ? {} : { attempt });
  const oldestFirst = history.runs.toReversed();
  return (
    <div className="space-y-4">
      <section className="card">
        <p className="text-sm text-slate-500">Test history on {history.platform}</p>
        <div className="mt-1 flex flex-wrap items-center gap-3">
          <h2 className="font-mono text-lg font-semibold" data-testid="history-test">
            {history.test}
          </h2>
          {history.flakiness && <FlakyFlag flag={history.flakiness} />}
        </div>
        {history.flakiness && (
          <p className="mt-1 text-sm text-slate-600" data-testid="history-flakiness">
            {history.flakiness.flaky} flaky of its last {history.flakiness.of} runs; {history.flakiness.flakyTotal} flaky of{' '}
            {history.flakiness.runs} in all.
          </p>
        )}
        {history.runs.length === 0 ? (
          <p className="mt-3 text-sm text-slate-500">No run has a result of this test on this platform.</p>
        ) : (
          <>
            <h3 className="mt-4 mb-1 text-sm font-medium text-slate-600">Last {history.runs.length} runs, oldest first</h3>
            <ol className="flex flex-wrap gap-0.5" aria-label="status of each run" data-testid="history-strip">
              {oldestFirst.map((run) => (
                <li key={run.runId}>
                  <Link
                    href={link(run)}
                    className={`block h-6 w-2.5 rounded-sm ${stripColours[run.outcome] ?? 'bg-slate-400'} hover:opacity-70`}
                    title={`run #${run.number}: ${run.outcome}${run.attempts.length > 1 ? ` after ${run.attempts.length} attempts` : ''}`}
                    aria-label={`run ${run.number}: ${run.outcome}`}
                    data-testid="history-cell"
                    data-outcome={run.outcome}
                  />
                </li>
              ))}
            </ol>
            <p className="mt-1 flex flex-wrap gap-3 text-xs text-slate-500">
              {Object.entries(stripColours).map(([status, colour]) => (
                <span key={status} className="flex items-center gap-1">
                  <span className={`inline-block h-2.5 w-2.5 rounded-sm ${colour}`} /> {status}
                  {status === 'flaky' && ' (failed, then passed on a rerun)'}
                </span>
              ))}
            </p>
          </>
        )}
      </section>

      <LineChart
        title="Duration of each run's final attempt"
        testId="history-durations"
        xLabel="run"
        formatY={formatDuration}
        series={[
          {
            name: history.test,
            points: oldestFirst.flatMap((run) =>
              run.durationMs === null
                ? []
                : [
                    {
                      x: run.number,
                      y: run.durationMs,
                      label: `run #${run.number}: ${formatDuration(run.durationMs)}, ${run.outcome}`,
                      href: link(run),
                      tone: run.outcome === 'pass' ? 'good' : run.outcome === 'flaky' ? 'warn' : 'bad',
                    } as const,
                  ],
            ),
          },
        ]}
      />

      <section className="card">
        <h3 className="mb-2 font-semibold">Runs</h3>
        <table className="table" data-testid="history-runs">
          <thead>
            <tr>
              <th>Run</th>
              <th>Outcome</th>
              <th>Attempts</th>
              <th>Duration</th>
              <th>Commit</th>
              <th>Created</th>
            </tr>
          </thead>
          <tbody>
            {history.runs.map((run) => (
              <tr key={run.runId} data-testid="history-run" data-run={run.number}>
                <td>
                  <Link className="text-indigo-700 hover:underline" href={link(run)}>
                    #{run.number}
                  </Link>
                </td>
                <td>
                  <StatusBadge status={run.outcome} />
                </td>
                <td className="text-xs">
                  {run.attempts.map((attempt) => (
                    <Link
                      key={attempt.number}
                      className="mr-2 hover:underline"
                      href={link(run, attempt.number)}
                      title={attempt.exception ?? undefined}
                    >
                      {attempt.number}: {attempt.status ?? 'no result'}
                      {attempt.superseded ? ' (re-run)' : ''}
                    </Link>
                  ))}
                </td>
                <td className="text-xs">{run.durationMs === null ? '—' : formatDuration(run.durationMs)}</td>
                <td className="font-mono text-xs">
                  {run.commit ? (
                    <Link className="hover:underline" href={`/t/${team.slug}/runs?commit=${run.commit}`}>
                      {run.commit.slice(0, 10)}
                    </Link>
                  ) : (
                    '—'
                  )}
                  {run.ref && <span className="text-slate-500"> {run.ref}</span>}
                </td>
                <td className="text-xs whitespace-nowrap">{run.createdAt.toISOString().slice(0, 16).replace('T', ' ')}</td>
              </tr>
            ))}
          </tbody>
        </table>
        {history.next !== null && (
          <Link
            className="btn-quiet mt-3"
            href={`/t/${team.slug}/history?${new URLSearchParams({ test: history.test, platform: history.platform, before: String(history.next) })}`}
          >
            Older runs
          </Link>
        )}
      </section>
    </div>
  );
}
