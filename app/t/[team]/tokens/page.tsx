import { db } from '@/lib/db/client';
import { listApiTokens } from '@/lib/tokens/api-tokens';
import { DeleteButton } from '../../../_components/delete-button';
import { requireTeamPage } from '../../../_lib/session';
import { TokenForm } from './token-form';

export default async function TokensPage({ params }: { params: Promise<{ team: string }> }) {
  const { actor, team } = await requireTeamPage((await params).team);
  const tokens = await listApiTokens(db(), actor, team.slug);
  return (
    <div className="grid gap-6 md:grid-cols-[2fr_1fr]">
      <section className="card">
        <h2 className="mb-1 font-semibold">Your API tokens for this team</h2>
        <p className="mb-3 text-sm text-slate-600">
          Send one as <code>Authorization: Bearer …</code>; it acts with your role, in this team only.
        </p>
        {tokens.length === 0 ? (
          <p className="text-sm text-slate-600">No tokens.</p>
        ) : (
          <table className="table">
            <tbody>
              {tokens.map((token) => (
                <tr key={token.id}>
                  <td>{token.name}</td>
                  <td className="font-mono text-xs">{token.prefix}…</td>
                  <td className="text-xs text-slate-500">{token.lastUsedAt ? `used ${token.lastUsedAt.toISOString()}` : 'never used'}</td>
                  <td className="text-right">
                    <DeleteButton url={`/api/v1/teams/${team.slug}/tokens/${token.id}`} what={`token ${token.name}`} label="Revoke" />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
      <section className="card">
        <h2 className="mb-3 font-semibold">New token</h2>
        <TokenForm teamSlug={team.slug} />
      </section>
    </div>
  );
}
