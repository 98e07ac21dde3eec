import Link from 'next/link';
import { hasRole } from '@/lib/shared/roles';
import { db } from '@/lib/server/db/client';
import { platformKindAvailability } from '@/lib/server/health/heartbeat';
import { listPlatforms } from '@/lib/server/platforms/platforms';
import { listSecrets } from '@/lib/server/secrets/secrets';
import { operatorPolicy } from '@/lib/server/security/operator-policy';
import { DeleteButton } from '../../../_components/delete-button';
import { ResourceLayout } from '../../../_components/resource-layout';
import { requireTeamPage } from '../../../_lib/session';
import { PlatformForm } from './platform-form';

export default async function PlatformsPage({ params }: { params: Promise<{ team: string }> }) {
  const { actor, team, role } = await requireTeamPage((await params).team);
  const isAdmin = hasRole(role, 'admin');
  const [platforms, secrets, availability] = await Promise.all([
    listPlatforms(db(), actor, team.slug),
    listSecrets(db(), actor, team.slug),
    platformKindAvailability(db()),
  ]);
  return (
    <ResourceLayout
      title="Platforms"
      empty="No platforms yet."
      isEmpty={platforms.length === 0}
      side={{
        title: 'New platform',
        content: isAdmin ? (
          <PlatformForm
            teamSlug={team.slug}
            secrets={secrets.map(({ id, name }) => ({ id, name }))}
            unavailable={Object.fromEntries(availability)}
            testingFarmUrls={operatorPolicy().testingFarmUrls}
          />
        ) : (
          <p className="text-sm text-slate-600" data-testid="platform-admin-only">
            Only team admins can add platforms.
          </p>
        ),
      }}
    >
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
              <td className="font-medium">
                <Link href={`/t/${team.slug}/platforms/${platform.id}`} className="text-indigo-700 hover:underline">
                  {platform.name}
                </Link>
              </td>
              <td>{platform.config.kind}</td>
              <td className="font-mono text-xs">
                {Object.entries(platform.context)
                  .map(([k, v]) => `${k}=${v}`)
                  .join(' ')}
              </td>
              <td>
                {platform.maxRemotes} (+{platform.maxSpares} spare)
              </td>
              <td className="text-right">
                {isAdmin && <DeleteButton url={`/api/v1/teams/${team.slug}/platforms/${platform.id}`} what={`platform ${platform.name}`} />}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </ResourceLayout>
  );
}
