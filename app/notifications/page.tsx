import { db } from '@/lib/server/db/client';
import { listNotifications } from '@/lib/server/notifications/notifications';
import { requireActor } from '../_lib/session';
import { MarkAllRead, NotificationLink } from './notification-actions';

export default async function NotificationsPage() {
  const actor = await requireActor();
  const { unread, notifications } = await listNotifications(db(), actor, { limit: '100' });
  return (
    <section className="card">
      <div className="mb-4 flex items-center gap-3">
        <h1 className="text-lg font-semibold">Notifications</h1>
        <span className="text-sm text-slate-500">{unread} unread</span>
        {unread > 0 && <MarkAllRead />}
      </div>
      {notifications.length === 0 && <p className="text-sm text-slate-500">Nobody has mentioned you yet.</p>}
      <ul className="divide-y divide-slate-100">
        {notifications.map((item) => (
          <li key={item.id} className={`py-3 ${item.read ? '' : 'font-medium'}`} data-testid="notification" data-read={item.read}>
            <NotificationLink id={item.id} href={item.link} read={item.read}>
              {item.author ?? 'Someone'} mentioned you on{' '}
              {item.test ? `${item.test} (${item.platform}) in run #${item.run}` : `run #${item.run}`} — {item.team.name}
            </NotificationLink>
            <p className="mt-1 line-clamp-2 text-sm font-normal whitespace-pre-wrap text-slate-600">{item.excerpt}</p>
            <time className="text-xs font-normal text-slate-400" dateTime={item.createdAt.toISOString()}>
              {item.createdAt.toISOString().replace('T', ' ').slice(0, 16)} UTC
            </time>
          </li>
        ))}
      </ul>
    </section>
  );
}
