import Link from 'next/link';
import { notFound, redirect } from 'next/navigation';
import { findRun, previousRun } from '@/lib/server/compare/compare';
import { db } from '@/lib/server/db/client';
import { AppError } from '@/lib/server/errors';
import { BaseForm } from '../../../../../_components/compare/base-form';
import { requireTeamPage } from '../../../../../_lib/session';

/** `…/compare` picks the previous run of the same repository and plan, `…/compare?base=N` run N: both land on the permanent `…/compare/<base>`. */
export default async function ComparePicker({
  params,
  searchParams,
}: {
  params: Promise<{ team: string; run: string }>;
  searchParams: Promise<{ base?: string }>;
}) {
  const { team: slug, run: runRef } = await params;
  const { base } = await searchParams;
  const { actor, team } = await requireTeamPage(slug);
  const head = await findRun(db(), actor, team.slug, runRef).catch((error: unknown) => {
    if (error instanceof AppError && error.code === 'not-found') notFound();
    throw error;
  });
  if (base !== undefined && /^\d{1,9}$/.test(base)) redirect(`/t/${team.slug}/runs/${head.number}/compare/${base}`);
  const previous = await previousRun(db(), head).catch((error: unknown) => {
    if (error instanceof AppError && error.code === 'not-found') return null;
    throw error;
  });
  if (previous) redirect(`/t/${team.slug}/runs/${head.number}/compare/${previous.number}`);
  return (
    <section className="card" data-testid="compare-no-base">
      <h2 className="mb-2 font-semibold">Nothing to compare with</h2>
      <p className="text-sm text-slate-600">
        <Link className="text-indigo-700 hover:underline" href={`/t/${team.slug}/runs/${head.number}`}>
          Run #{head.number}
        </Link>{' '}
        is the first run of its repository and plan{base !== undefined ? ', and the base asked for is not a run number' : ''}.
      </p>
      <BaseForm action={`/t/${team.slug}/runs/${head.number}/compare`} />
    </section>
  );
}
