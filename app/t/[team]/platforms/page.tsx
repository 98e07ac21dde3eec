import { hasRole } from '@/lib/access/roles';
import { db } from '@/lib/db/client';
import { listPlatforms } from '@/lib/platforms/platforms';
import { listSecrets } from '@/lib/secrets/secrets';
import { DeleteButton } from '../../../_components/delete-button';
import { requireTeamPage } from '../../../_lib/session';
import { PlatformForm } from './platform-form';

export default async function PlatformsPage({ params }: { params: Promise<{ team: string }> }) {
  const { actor, team, role } = await requireTeamPage((await params).team);
  const isAdmin = hasRole(role, 'admin');
  const [platforms, secrets] = await Promise.all([listPlatforms(db(), actor, team.slug), listSecrets(db(), actor, team.slug)]);
  return (
    <div className="grid gap-6 md:grid-cols-[2fr_1fr]">
      <section className="card">
        <h2 className="mb-3 font-semibold">Platforms</h2>
        {platforms.length === 0 ? (
          <p className="text-sm text-slate-600">No platforms yet.</p>
        ) : (
          <table className="table">
            <thead>
              <tr>
                <th>Name</th>
                <th>Kind</th>
                <th>fmf context</th>
                <th>Remotes</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {platforms.map((platform) => (
                <tr key={platform.id} data-testid={`platform-${platform.name}`}>
                  <td className="font-medium">{platform.name}</td>
                  <td>{platform.config.kind}</td>
                  <td className="font-mono text-xs">{Object.entries(platform.context).map(([k, v]) => `${k}=${v}`).join(' ')}</td>
                  <td>
                    {platform.maxRemotes} (+{platform.maxSpares} spare)
                  </td>
                  <td className="text-right">{isAdmin && <DeleteButton url={`/api/v1/teams/${team.slug}/platforms/${platform.id}`} what={`platform ${platform.name}`} />}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
      <section className="card">
        <h2 className="mb-3 font-semibold">New platform</h2>
        {isAdmin ? (
          <PlatformForm teamSlug={team.slug} secrets={secrets.map(({ id, name }) => ({ id, name }))} />
        ) : (
          <p className="text-sm text-slate-600" data-testid="platform-admin-only">
            Only team admins can add platforms.
          </p>
        )}
      </section>
    </div>
  );
}
