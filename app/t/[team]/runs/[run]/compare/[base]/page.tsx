import Link from 'next/link';
import { notFound } from 'next/navigation';
import { compareRuns } from '@/lib/server/compare/compare';
import { db } from '@/lib/server/db/client';
import { AppError } from '@/lib/server/errors';
import { compareListTitles, compareLists } from '@/lib/shared/run-compare';
import { CompareListView } from '../../../../../../_components/compare/compare-list';
import { BaseForm } from '../../../../../../_components/compare/base-form';
import { CopyLinkButton } from '../../../../../../_components/compare/copy-link-button';
import { StatusBadge } from '../../../../../../_components/run/status-badge';
import { requireTeamPage } from '../../../../../../_lib/session';

/** The permanent URL of a comparison: run <run> against base run <base>. */
export default async function ComparePage({ params }: { params: Promise<{ team: string; run: string; base: string }> }) {
  const { team: slug, run: runRef, base } = await params;
  const { actor, team } = await requireTeamPage(slug);
  const comparison = await compareRuns(db(), actor, team.slug, runRef, { base }).catch((error: unknown) => {
    if (error instanceof AppError && (error.code === 'not-found' || error.code === 'invalid')) notFound();
    throw error;
  });
  const { head, total } = comparison;
  const runLink = (run: { number: number; status: string }) => (
    <>
      <Link className="text-indigo-700 hover:underline" href={`/t/${team.slug}/runs/${run.number}`}>
        #{run.number}
      </Link>{' '}
      <StatusBadge status={run.status} />
    </>
  );
  const columns = [...compareLists, 'unchanged'] as const;
  return (
    <div className="space-y-4">
      <section className="card">
        <div className="flex flex-wrap items-center gap-3">
          <h2 className="text-lg font-semibold" data-testid="compare-title">
            Run {runLink(head)} compared with run {runLink(comparison.base)}
          </h2>
          <span className="text-sm text-slate-500">{head.plan}</span>
          <span className="flex-1" />
          <CopyLinkButton />
          <BaseForm action={`/t/${team.slug}/runs/${head.number}/compare`} />
        </div>
        <p className="mt-2 text-xs text-slate-500">
          Tests are matched by platform and name over both runs&apos; final attempts. A duration regression took at least{' '}
          {comparison.durationRegression.ratio}× as long and at least {comparison.durationRegression.minSeconds} s longer.
        </p>
        <table className="table mt-3 text-sm" data-testid="compare-summary">
          <thead>
            <tr>
              <th>Platform</th>
              {columns.map((column) => (
                <th key={column}>{column === 'unchanged' ? 'Unchanged' : compareListTitles[column]}</th>
              ))}
            </tr>
          </thead>
          <tbody>
            {[...comparison.platforms, { platform: 'All platforms', counts: total }].map(({ platform, counts }) => (
              <tr key={platform} data-testid="compare-summary-row" data-platform={platform}>
                <td>{platform}</td>
                {columns.map((column) => (
                  <td
                    key={column}
                    data-testid={`count-${column}`}
                    className={column === 'new-failures' && counts[column] ? 'font-semibold text-red-700' : ''}
                  >
                    {counts[column]}
                  </td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </section>
      {compareLists.map((list) => (
        <CompareListView
          key={list}
          team={team.slug}
          head={head.number}
          base={comparison.base.number}
          list={list}
          count={total[list]}
          initial={comparison.lists[list]!}
        />
      ))}
    </div>
  );
}
