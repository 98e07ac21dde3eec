import { notFound } from 'next/navigation';
import { hasRole } from '@/lib/shared/roles';
import { db } from '@/lib/server/db/client';
import { AppError } from '@/lib/server/errors';
import { getPlatform } from '@/lib/server/platforms/platforms';
import { listSecrets } from '@/lib/server/secrets/secrets';
import { operatorPolicy } from '@/lib/server/security/operator-policy';
import { ResourceLayout } from '../../../../_components/resource-layout';
import { requireTeamPage } from '../../../../_lib/session';
import { PlatformForm } from '../platform-form';
import { TestConnectionButton } from './test-connection-button';

export default async function PlatformPage({ params }: { params: Promise<{ team: string; id: string }> }) {
  const { team: slug, id } = await params;
  const { actor, team, role } = await requireTeamPage(slug);
  const isAdmin = hasRole(role, 'admin');
  const platform = await getPlatform(db(), actor, team.slug, id).catch((error: unknown) => {
    if (error instanceof AppError && error.code === 'not-found') notFound();
    throw error;
  });
  const secrets = await listSecrets(db(), actor, team.slug);
  const secretName = secrets.find((secret) => secret.id === platform.secretId)?.name;
  return (
    <ResourceLayout
      title={`Platform ${platform.name}`}
      side={
        isAdmin
          ? {
              title: 'Edit',
              content: (
                <PlatformForm
                  teamSlug={team.slug}
                  secrets={secrets.map(({ id, name }) => ({ id, name }))}
                  platform={platform}
                  testingFarmUrls={operatorPolicy().testingFarmUrls}
                />
              ),
            }
          : null
      }
    >
      <dl className="grid grid-cols-[10rem_1fr] gap-y-2 text-sm" data-testid="platform-details">
        <dt className="text-slate-500">Provisioner</dt>
        <dd>{platform.config.kind}</dd>
        <dt className="text-slate-500">Configuration</dt>
        <dd>
          <pre className="overflow-x-auto rounded bg-slate-50 p-2 text-xs">{JSON.stringify(platform.config, null, 2)}</pre>
        </dd>
        <dt className="text-slate-500">fmf context</dt>
        <dd className="font-mono text-xs">
          {Object.entries(platform.context)
            .map(([key, value]) => `${key}=${value}`)
            .join(' ') || '(none)'}
        </dd>
        <dt className="text-slate-500">Systems</dt>
        <dd>
          up to {platform.maxRemotes} at once, {platform.maxSpares} spare
        </dd>
        {platform.config.kind === 'ssh' && (
          <>
            <dt className="text-slate-500">Quarantine</dt>
            <dd data-testid="platform-quarantine">
              {platform.config.quarantineAfter
                ? `a host leaves the pool after ${platform.config.quarantineAfter} infrastructure failures in a row`
                : 'never: hosts stay in the pool whatever fails'}
            </dd>
          </>
        )}
        <dt className="text-slate-500">Secret</dt>
        <dd>{secretName ?? '(none)'}</dd>
      </dl>
      {isAdmin && <TestConnectionButton url={`/api/v1/teams/${team.slug}/platforms/${platform.id}/test-connection`} />}
    </ResourceLayout>
  );
}
