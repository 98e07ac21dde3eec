import { listNotifications } from '@/lib/server/notifications/notifications';
import { authed } from '../../../_lib/handler';

export const GET = authed(async ({ db, actor, request }) =>
  listNotifications(db, actor, Object.fromEntries(new URL(request.url).searchParams)),
);
