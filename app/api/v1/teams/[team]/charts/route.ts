import { getHistoryCharts } from '@/lib/server/history/charts';
import { authed } from '../../../../_lib/handler';

export const GET = authed<{ team: string }>(async ({ db, actor, params, request }) =>
  getHistoryCharts(db, actor, params.team, Object.fromEntries(new URL(request.url).searchParams)),
);
