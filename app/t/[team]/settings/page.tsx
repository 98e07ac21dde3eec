import Link from 'next/link';
import { hasRole } from '@/lib/shared/roles';
import { requireTeamPage } from '../../../_lib/session';
import { DeleteTeamForm, RenameTeamForm } from './team-settings-forms';

export default async function SettingsPage({ params }: { params: Promise<{ team: string }> }) {
  const { team, role } = await requireTeamPage((await params).team);
  return (
    <div className="grid gap-6 md:grid-cols-2">
      <section className="card">
        <h2 className="mb-3 font-semibold">Name</h2>
        {hasRole(role, 'admin') ? (
          <RenameTeamForm teamSlug={team.slug} name={team.name} />
        ) : (
          <p className="text-sm">Only admins can rename the team.</p>
        )}
      </section>
      {hasRole(role, 'admin') && (
        <section className="card">
          <h2 className="mb-3 font-semibold">Integrations and history</h2>
          <ul className="space-y-1 text-sm">
            <li>
              <Link className="text-indigo-700 hover:underline" href={`/t/${team.slug}/settings/webhooks`}>
                Webhooks
              </Link>{' '}
              — signed notifications of finished and failing runs
            </li>
            <li>
              <Link className="text-indigo-700 hover:underline" href={`/t/${team.slug}/settings/audit`}>
                Audit log
              </Link>{' '}
              — who changed what in this team
            </li>
          </ul>
        </section>
      )}
      {role === 'owner' && (
        <section className="card border-red-200">
          <h2 className="mb-3 font-semibold text-red-700">Delete team</h2>
          <p className="mb-3 text-sm text-slate-600">Deletes every platform, repository, secret and run of this team.</p>
          <DeleteTeamForm teamSlug={team.slug} name={team.name} />
        </section>
      )}
    </div>
  );
}
