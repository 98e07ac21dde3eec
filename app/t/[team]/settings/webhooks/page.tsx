import Link from 'next/link';
import { db } from '@/lib/server/db/client';
import { listWebhooks } from '@/lib/server/webhooks/webhooks';
import { hasRole } from '@/lib/shared/roles';
import { DeleteButton } from '../../../../_components/delete-button';
import { ResourceLayout } from '../../../../_components/resource-layout';
import { requireTeamPage } from '../../../../_lib/session';
import { EnableToggle, WebhookForm } from './webhook-forms';

export default async function WebhooksPage({ params }: { params: Promise<{ team: string }> }) {
  const { actor, team, role } = await requireTeamPage((await params).team);
  if (!hasRole(role, 'admin')) return <p className="card text-sm">Only admins manage webhooks.</p>;
  const webhooks = await listWebhooks(db(), actor, team.slug);
  return (
    <ResourceLayout
      title="Webhooks"
      description="Testyard POSTs signed JSON to these URLs when runs finish or start failing (docs/WEBHOOKS.md). The worker delivers them and retries with backoff."
      empty="No webhooks yet."
      isEmpty={webhooks.length === 0}
      side={{ title: 'New webhook', content: <WebhookForm teamSlug={team.slug} /> }}
    >
      <table className="table">
        <tbody>
          {webhooks.map((hook) => {
            const api = `/api/v1/teams/${team.slug}/webhooks/${hook.id}`;
            return (
              <tr key={hook.id} data-testid="webhook">
                <td>
                  <Link className="font-mono text-xs text-indigo-700 hover:underline" href={`/t/${team.slug}/settings/webhooks/${hook.id}`}>
                    {hook.url}
                  </Link>
                  <div className="text-xs text-slate-500">{hook.events.join(', ')}</div>
                </td>
                <td className="text-xs">
                  {hook.enabled ? '' : 'disabled · '}
                  {hook.lastDelivery ? `last: ${hook.lastDelivery.status}` : 'nothing sent yet'}
                </td>
                <td className="text-right whitespace-nowrap">
                  <EnableToggle url={api} enabled={hook.enabled} /> <DeleteButton url={api} what={`the webhook to ${hook.url}`} />
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </ResourceLayout>
  );
}
