import { db } from '@/lib/server/db/client';
import { listApiTokens } from '@/lib/server/tokens/api-tokens';
import { DeleteButton } from '../../../_components/delete-button';
import { ResourceLayout } from '../../../_components/resource-layout';
import { requireTeamPage } from '../../../_lib/session';
import { TokenForm } from './token-form';

export default async function TokensPage({ params }: { params: Promise<{ team: string }> }) {
  const { actor, team } = await requireTeamPage((await params).team);
  const tokens = await listApiTokens(db(), actor, team.slug);
  return (
    <ResourceLayout
      title="Your API tokens for this team"
      description={
        <>
          Send one as <code>Authorization: Bearer …</code>; it acts with your role, in this team only.
        </>
      }
      empty="No tokens."
      isEmpty={tokens.length === 0}
      side={{ title: 'New token', content: <TokenForm teamSlug={team.slug} /> }}
    >
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
    </ResourceLayout>
  );
}
