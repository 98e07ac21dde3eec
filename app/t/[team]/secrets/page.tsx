import { hasRole } from '@/lib/access/roles';
import { db } from '@/lib/db/client';
import { listSecrets } from '@/lib/secrets/secrets';
import { requireTeamPage } from '../../../_lib/session';
import { DeleteButton } from '../../../_components/delete-button';
import { SecretForm } from './secret-form';

export default async function SecretsPage({ params }: { params: Promise<{ team: string }> }) {
  const { actor, team, role } = await requireTeamPage((await params).team);
  const isAdmin = hasRole(role, 'admin');
  const secrets = await listSecrets(db(), actor, team.slug);
  return (
    <div className="grid gap-6 md:grid-cols-[2fr_1fr]">
      <section className="card">
        <h2 className="mb-1 font-semibold">Secrets</h2>
        <p className="mb-3 text-sm text-slate-600">SSH keys and service tokens, encrypted at rest. Values are write-only: nobody can read them back.</p>
        {secrets.length === 0 ? (
          <p className="text-sm text-slate-600">No secrets yet.</p>
        ) : (
          <table className="table">
            <tbody>
              {secrets.map((secret) => (
                <tr key={secret.id}>
                  <td className="font-mono">{secret.name}</td>
                  <td>{secret.kind}</td>
                  <td className="text-right">{isAdmin && <DeleteButton url={`/api/v1/teams/${team.slug}/secrets/${secret.id}`} what={`secret ${secret.name}`} />}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
      {isAdmin && (
        <section className="card">
          <h2 className="mb-3 font-semibold">New secret</h2>
          <SecretForm teamSlug={team.slug} />
        </section>
      )}
    </div>
  );
}
