import Link from 'next/link';
import { db } from '@/lib/server/db/client';
import { getHistoryCharts } from '@/lib/server/history/charts';
import { BarChart, formatDuration, LineChart } from '../../../_components/charts/charts';
import { queryOf, readOrInvalid } from '../../../_components/history/page-query';
import { testHistoryPath } from '@/lib/shared/result-paths';
import { requireTeamPage } from '../../../_lib/session';

const windows = [25, 100, 500];

/** Pass rate, run durations and test durations over the team's latest finished runs; every point opens its run. */
export default async function ChartsPage({
  params,
  searchParams,
}: {
  params: Promise<{ team: string }>;
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const { actor, team } = await requireTeamPage((await params).team);
  const query = queryOf(await searchParams);
  const read = await readOrInvalid(() => getHistoryCharts(db(), actor, team.slug, query));
  if ('invalid' in read) {
    return (
      <p className="card text-sm text-red-700" role="alert">
        {read.invalid}
      </p>
    );
  }
  const charts = read.data;
  const runHref = (number: number) => `/t/${team.slug}/runs/${number}`;
  return (
    <div className="space-y-4">
      <nav className="flex items-center gap-2 text-sm" aria-label="runs covered">
        <span className="text-slate-600">Latest finished runs:</span>
        {windows.map((count) => (
          <Link
            key={count}
            href={`/t/${team.slug}/charts?runs=${count}`}
            className={`rounded border px-2 py-0.5 ${String(count) === (query.runs ?? '100') ? 'border-indigo-500 bg-indigo-50' : 'border-slate-300'}`}
          >
            {count}
          </Link>
        ))}
      </nav>
      <LineChart
        title="Pass rate per platform"
        testId="chart-pass-rate"
        xLabel="run"
        yMax={100}
        formatY={(value) => `${Math.round(value)}%`}
        series={charts.passRate.map(({ platform, points }) => ({
          name: platform,
          points: points.map((point) => {
            const rate = point.total ? (100 * point.passed) / point.total : 0;
            return {
              x: point.number,
              y: rate,
              label: `run #${point.number} on ${platform}: ${point.passed} of ${point.total} passed (${rate.toFixed(0)}%)`,
              href: runHref(point.number),
            };
          }),
        }))}
      />
      <LineChart
        title="Run duration"
        testId="chart-run-duration"
        xLabel="run"
        formatY={formatDuration}
        series={[
          {
            name: 'runs',
            points: charts.runDurations.map((run) => ({
              x: run.number,
              y: run.durationMs,
              label: `run #${run.number}: ${formatDuration(run.durationMs)}, ${run.status}`,
              href: runHref(run.number),
              tone: run.status === 'passed' ? 'good' : run.status === 'failed' ? 'bad' : 'warn',
            })),
          },
        ]}
      />
      <BarChart
        title="How long tests take (final attempts)"
        testId="chart-duration-spread"
        bars={charts.durationBins.map((bin) => ({
          label: `${formatDuration(bin.fromMs)} – ${formatDuration(bin.toMs)}`,
          value: bin.attempts,
          text: `${bin.attempts} ${bin.attempts === 1 ? 'test run' : 'test runs'}`,
        }))}
      />
      <BarChart
        title="Slowest tests (mean of final attempts)"
        testId="chart-slowest"
        bars={charts.slowestTests.map((test) => ({
          label: `${test.testName} (${test.platform})`,
          value: test.meanMs,
          text: `${formatDuration(test.meanMs)} mean, ${formatDuration(test.maxMs)} max in #${test.slowestRunNumber}`,
          href: testHistoryPath(team.slug, test.platform, test.testName),
        }))}
      />
    </div>
  );
}
