import { getTestHistory } from '@/lib/server/history/test-history';
import { authed } from '../../../../../_lib/handler';

export const GET = authed<{ team: string }>(async ({ db, actor, params, request }) =>
  getTestHistory(db, actor, params.team, Object.fromEntries(new URL(request.url).searchParams)),
);
