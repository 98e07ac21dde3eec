import { listDeliveries } from '@/lib/server/webhooks/webhooks';
import { authed } from '../../../../../../_lib/handler';

export const GET = authed<{ team: string; id: string }>(async ({ db, actor, params, request }) =>
  listDeliveries(db, actor, params.team, params.id, Object.fromEntries(new URL(request.url).searchParams)),
);
