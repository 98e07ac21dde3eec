import Link from 'next/link';
import { db } from '@/lib/server/db/client';
import { listRunsIndex, runsIndexChoices } from '@/lib/server/history/runs-index';
import { formatDuration } from '../../../_components/charts/charts';
import { queryOf, readOrInvalid } from '../../../_components/history/page-query';
import { testHistoryPath } from '@/lib/shared/result-paths';
import { StatusBadge } from '../../../_components/run/status-badge';
import { requireTeamPage } from '../../../_lib/session';

const statuses = ['queued', 'running', 'passed', 'failed', 'error', 'cancelled'];

/** The team's runs, filtered by the URL's query (a GET form writes it, so a filtered view is a link to share). */
export default async function RunsIndexPage({
  params,
  searchParams,
}: {
  params: Promise<{ team: string }>;
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const { actor, team } = await requireTeamPage((await params).team);
  const query = queryOf(await searchParams);
  const [page, choices] = await Promise.all([
    readOrInvalid(() => listRunsIndex(db(), actor, team.slug, query)),
    runsIndexChoices(db(), actor, team.slug),
  ]);
  const { after: _after, ...filters } = query;
  const olderHref = (after: number) => `/t/${team.slug}/runs?${new URLSearchParams({ ...filters, after: String(after) })}`;
  const field = (name: string) => filters[name] ?? '';
  return (
    <div className="space-y-4">
      <form
        className="card grid grid-cols-2 gap-3 text-sm md:grid-cols-4"
        method="get"
        action={`/t/${team.slug}/runs`}
        data-testid="runs-filters"
      >
        <label className="space-y-1">
          <span className="text-slate-600">Test name contains</span>
          <input className="input" name="test" defaultValue={field('test')} placeholder="/tests/login" />
        </label>
        <label className="space-y-1">
          <span className="text-slate-600">Repository</span>
          <select className="input" name="repo" defaultValue={field('repo')}>
            <option value="">any</option>
            {choices.repos.map((repo) => (
              <option key={repo}>{repo}</option>
            ))}
          </select>
        </label>
        <label className="space-y-1">
          <span className="text-slate-600">Plan</span>
          <input className="input" name="plan" defaultValue={field('plan')} placeholder="/plans/smoke" />
        </label>
        <label className="space-y-1">
          <span className="text-slate-600">Platform</span>
          <input className="input" name="platform" defaultValue={field('platform')} list="runs-platforms" />
          <datalist id="runs-platforms">
            {choices.platforms.map((platform) => (
              <option key={platform} value={platform} />
            ))}
          </datalist>
        </label>
        <label className="space-y-1">
          <span className="text-slate-600">Ref</span>
          <input className="input" name="ref" defaultValue={field('ref')} placeholder="main" />
        </label>
        <label className="space-y-1">
          <span className="text-slate-600">Commit</span>
          <input className="input font-mono" name="commit" defaultValue={field('commit')} placeholder="3f2a9c1" />
        </label>
        <label className="space-y-1">
          <span className="text-slate-600">Status</span>
          <select className="input" name="status" defaultValue={field('status')}>
            <option value="">any</option>
            {statuses.map((status) => (
              <option key={status}>{status}</option>
            ))}
          </select>
        </label>
        <label className="space-y-1">
          <span className="text-slate-600">Started by</span>
          <select className="input" name="by" defaultValue={field('by')}>
            <option value="">anyone</option>
            {choices.members.map((member) => (
              <option key={member.id} value={member.id}>
                {member.name}
              </option>
            ))}
          </select>
        </label>
        <label className="space-y-1">
          <span className="text-slate-600">From</span>
          <input className="input" type="date" name="from" defaultValue={field('from')} />
        </label>
        <label className="space-y-1">
          <span className="text-slate-600">To</span>
          <input className="input" type="date" name="to" defaultValue={field('to')} />
        </label>
        <div className="col-span-2 flex items-end gap-2">
          <button className="btn" type="submit">
            Filter
          </button>
          <Link className="btn-quiet" href={`/t/${team.slug}/runs`}>
            Clear
          </Link>
        </div>
      </form>

      {'invalid' in page ? (
        <p className="card text-sm text-red-700" role="alert" data-testid="runs-invalid">
          {page.invalid}
        </p>
      ) : (
        <section className="card">
          {page.data.matchingTests.length > 0 && (
            <div className="mb-3 text-sm" data-testid="matching-tests">
              <span className="text-slate-600">Tests matching “{filters.test}”: </span>
              {page.data.matchingTests.map((test) => (
                <Link
                  key={`${test.platform}:${test.testName}`}
                  className="mr-3 font-mono text-xs text-indigo-700 hover:underline"
                  href={testHistoryPath(team.slug, test.platform, test.testName)}
                >
                  {test.testName} on {test.platform}
                </Link>
              ))}
            </div>
          )}
          {page.data.runs.length === 0 ? (
            <p className="text-sm text-slate-500" data-testid="runs-empty">
              No runs match.
            </p>
          ) : (
            <table className="table" data-testid="runs-index">
              <thead>
                <tr>
                  <th>Run</th>
                  <th>Status</th>
                  <th>Tests passed</th>
                  <th>Plan</th>
                  <th>Repository @ commit</th>
                  <th>Platforms</th>
                  <th>Started by</th>
                  <th>Created</th>
                  <th>Took</th>
                </tr>
              </thead>
              <tbody>
                {page.data.runs.map((run) => (
                  <tr key={run.id} data-testid="runs-index-row" data-run={run.number}>
                    <td>
                      <Link className="text-indigo-700 hover:underline" href={`/t/${team.slug}/runs/${run.number}`}>
                        #{run.number}
                      </Link>
                    </td>
                    <td>
                      <StatusBadge status={run.status} />
                    </td>
                    <td>
                      {run.tests.passed}/{run.tests.total}
                    </td>
                    <td className="font-mono text-xs">{run.plan}</td>
                    <td className="text-xs">
                      {run.repo ?? '—'}
                      {run.ref && <span className="text-slate-500"> {run.ref}</span>}
                      {run.commit && <span className="font-mono text-slate-500"> @{run.commit.slice(0, 10)}</span>}
                    </td>
                    <td className="text-xs">{run.platforms.join(', ')}</td>
                    <td className="text-xs">{run.createdBy?.name ?? '—'}</td>
                    <td className="text-xs whitespace-nowrap">{run.createdAt.toISOString().slice(0, 16).replace('T', ' ')}</td>
                    <td className="text-xs whitespace-nowrap">
                      {run.startedAt && run.finishedAt ? formatDuration(run.finishedAt.getTime() - run.startedAt.getTime()) : '—'}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          {page.data.next !== null && (
            <Link className="btn-quiet mt-3" href={olderHref(page.data.next)} data-testid="runs-older">
              Older runs
            </Link>
          )}
        </section>
      )}
    </div>
  );
}
