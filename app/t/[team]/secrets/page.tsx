import { hasRole } from '@/lib/shared/roles';
import { db } from '@/lib/server/db/client';
import { listSecrets } from '@/lib/server/secrets/secrets';
import { DeleteButton } from '../../../_components/delete-button';
import { ResourceLayout } from '../../../_components/resource-layout';
import { requireTeamPage } from '../../../_lib/session';
import { SecretForm } from './secret-form';

export default async function SecretsPage({ params }: { params: Promise<{ team: string }> }) {
  const { actor, team, role } = await requireTeamPage((await params).team);
  const isAdmin = hasRole(role, 'admin');
  const secrets = await listSecrets(db(), actor, team.slug);
  return (
    <ResourceLayout
      title="Secrets"
      description="SSH keys and service tokens, encrypted at rest. Values are write-only: nobody can read them back."
      empty="No secrets yet."
      isEmpty={secrets.length === 0}
      side={isAdmin ? { title: 'New secret', content: <SecretForm teamSlug={team.slug} /> } : null}
    >
      <table className="table">
        <tbody>
          {secrets.map((secret) => (
            <tr key={secret.id}>
              <td className="font-mono">{secret.name}</td>
              <td>{secret.kind}</td>
              <td className="text-right">
                {isAdmin && <DeleteButton url={`/api/v1/teams/${team.slug}/secrets/${secret.id}`} what={`secret ${secret.name}`} />}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </ResourceLayout>
  );
}
