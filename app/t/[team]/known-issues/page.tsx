import { hasRole } from '@/lib/shared/roles';
import { db } from '@/lib/server/db/client';
import { listKnownIssues } from '@/lib/server/known-issues/known-issues';
import { DeleteButton } from '../../../_components/delete-button';
import { ResourceLayout } from '../../../_components/resource-layout';
import { KnownIssueForm } from '../../../_components/triage/known-issue-form';
import { requireTeamPage } from '../../../_lib/session';

export default async function KnownIssuesPage({ params }: { params: Promise<{ team: string }> }) {
  const { actor, team, role } = await requireTeamPage((await params).team);
  const canEdit = hasRole(role, 'member');
  const issues = await listKnownIssues(db(), actor, team.slug);
  return (
    <ResourceLayout
      title="Known issues"
      description="Bugs and the failures they explain. A failure that matches is labelled with the bug as soon as it is stored, live on the run page."
      empty="No known issues yet. Create one here, or from a failed result's page."
      isEmpty={issues.length === 0}
      side={canEdit ? { title: 'New known issue', content: <KnownIssueForm teamSlug={team.slug} /> } : null}
    >
      <ul className="space-y-3" data-testid="known-issues">
        {issues.map((issue) => (
          <li key={issue.id} className="rounded border border-slate-200 p-3 text-sm" data-testid="known-issue">
            <div className="flex flex-wrap items-center gap-2">
              <a className="font-medium text-indigo-700 hover:underline" href={issue.url} rel="noreferrer noopener" target="_blank">
                {issue.title}
              </a>
              <span className="text-xs text-slate-500">
                labels {issue.matches} {issue.matches === 1 ? 'failure' : 'failures'}
              </span>
              <span className="flex-1" />
              {canEdit && (
                <DeleteButton url={`/api/v1/teams/${team.slug}/known-issues/${issue.id}`} what={`known issue "${issue.title}"`} />
              )}
            </div>
            <dl className="mt-1 grid grid-cols-[7rem_1fr] gap-x-2 text-xs">
              <dt className="text-slate-500">test</dt>
              <dd className="font-mono">{issue.testPattern}</dd>
              <dt className="text-slate-500">platform</dt>
              <dd className="font-mono">{issue.platformPattern ?? 'any'}</dd>
              <dt className="text-slate-500">statuses</dt>
              <dd>{issue.statuses.join(', ')}</dd>
              <dt className="text-slate-500">output or note</dt>
              <dd className="font-mono">{issue.textPattern ?? '—'}</dd>
            </dl>
            {canEdit && (
              <details className="mt-2">
                <summary className="cursor-pointer text-xs text-indigo-700">Edit</summary>
                <div className="mt-2">
                  <KnownIssueForm teamSlug={team.slug} id={issue.id} initial={issue} />
                </div>
              </details>
            )}
          </li>
        ))}
      </ul>
    </ResourceLayout>
  );
}
