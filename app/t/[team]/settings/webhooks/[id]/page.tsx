import Link from 'next/link';
import { notFound } from 'next/navigation';
import { db } from '@/lib/server/db/client';
import { AppError } from '@/lib/server/errors';
import { getWebhook, listDeliveries } from '@/lib/server/webhooks/webhooks';
import { hasRole } from '@/lib/shared/roles';
import { requireTeamPage } from '../../../../../_lib/session';

const time = (date: Date | null) => (date ? `${date.toISOString().replace('T', ' ').slice(0, 19)} UTC` : '—');

/** A webhook's delivery log: every event sent, its last answer or error, and when it is tried again. */
export default async function WebhookDeliveriesPage({ params }: { params: Promise<{ team: string; id: string }> }) {
  const { team: slug, id } = await params;
  const { actor, team, role } = await requireTeamPage(slug);
  if (!hasRole(role, 'admin')) return <p className="card text-sm">Only admins manage webhooks.</p>;
  const [hook, deliveries] = await Promise.all([
    getWebhook(db(), actor, team.slug, id),
    listDeliveries(db(), actor, team.slug, id, { limit: '100' }),
  ]).catch((error: unknown) => {
    if (error instanceof AppError && error.code === 'not-found') notFound();
    throw error;
  });
  return (
    <section className="card">
      <p className="text-sm text-slate-500">
        <Link className="text-indigo-700 hover:underline" href={`/t/${team.slug}/settings/webhooks`}>
          Webhooks
        </Link>{' '}
        › <span className="font-mono">{hook.url}</span>
      </p>
      <h2 className="mt-2 mb-3 font-semibold">Deliveries</h2>
      {deliveries.length === 0 && <p className="text-sm text-slate-500">Nothing sent yet.</p>}
      {deliveries.length > 0 && (
        <table className="table" data-testid="deliveries">
          <thead>
            <tr>
              <th>Event</th>
              <th>Status</th>
              <th>Attempts</th>
              <th>Answer</th>
              <th>Error</th>
              <th>Next attempt</th>
              <th>Queued</th>
            </tr>
          </thead>
          <tbody>
            {deliveries.map((delivery) => (
              <tr key={delivery.id} data-testid="delivery" data-status={delivery.status}>
                <td className="font-mono text-xs">{delivery.event}</td>
                <td className={delivery.status === 'failed' ? 'text-red-700' : delivery.status === 'delivered' ? 'text-green-700' : ''}>
                  {delivery.status}
                </td>
                <td>{delivery.attempts}</td>
                <td>{delivery.lastStatusCode ?? '—'}</td>
                <td className="max-w-xs text-xs break-words text-red-700" data-testid="delivery-error">
                  {delivery.lastError ?? ''}
                </td>
                <td className="text-xs">{time(delivery.nextAttemptAt)}</td>
                <td className="text-xs">{time(delivery.createdAt)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
