import { hasRole } from '@/lib/shared/roles';
import { db } from '@/lib/server/db/client';
import { listWaivers } from '@/lib/server/waivers/waivers';
import { DeleteButton } from '../../../_components/delete-button';
import { ResourceLayout } from '../../../_components/resource-layout';
import { WaiverForm } from '../../../_components/triage/waiver-form';
import { requireTeamPage } from '../../../_lib/session';

export default async function WaiversPage({ params }: { params: Promise<{ team: string }> }) {
  const { actor, team, role } = await requireTeamPage((await params).team);
  const canEdit = hasRole(role, 'member');
  const waivers = await listWaivers(db(), actor, team.slug);
  return (
    <ResourceLayout
      title="Waivers"
      description="Failures expected for now: they show as waived in results, counts and exports, and a run whose only failures are waived passes for testyard api run. A waiver stops applying when it expires."
      empty="No waivers."
      isEmpty={waivers.length === 0}
      side={canEdit ? { title: 'New waiver', content: <WaiverForm teamSlug={team.slug} /> } : null}
    >
      <table className="table" data-testid="waivers">
        <thead>
          <tr>
            <th>Test</th>
            <th>Platform</th>
            <th>Reason</th>
            <th>By</th>
            <th>Expires</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {waivers.map((waiver) => (
            <tr key={waiver.id} data-testid="waiver" className={waiver.expired ? 'text-slate-400' : ''}>
              <td className="font-mono text-xs">{waiver.testPattern}</td>
              <td className="font-mono text-xs">{waiver.platformPattern ?? 'any'}</td>
              <td>{waiver.reason}</td>
              <td>{waiver.author?.name ?? '—'}</td>
              <td data-testid="waiver-expiry">
                {waiver.expired ? `expired on ${waiver.expiresAt.toISOString()}` : `until ${waiver.expiresAt.toISOString()}`}
              </td>
              <td className="text-right">
                {canEdit && (
                  <>
                    <details className="inline-block text-left">
                      <summary className="cursor-pointer text-xs text-indigo-700">Edit</summary>
                      <div className="mt-2 w-80">
                        <WaiverForm
                          teamSlug={team.slug}
                          id={waiver.id}
                          initial={{ ...waiver, expiresAt: waiver.expiresAt.toISOString() }}
                        />
                      </div>
                    </details>{' '}
                    <DeleteButton url={`/api/v1/teams/${team.slug}/waivers/${waiver.id}`} what="this waiver" />
                  </>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </ResourceLayout>
  );
}
