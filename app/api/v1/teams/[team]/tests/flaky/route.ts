import { listFlakiestTests } from '@/lib/server/history/flakiness';
import { authed } from '../../../../../_lib/handler';

export const GET = authed<{ team: string }>(async ({ db, actor, params, request }) =>
  listFlakiestTests(db, actor, params.team, Object.fromEntries(new URL(request.url).searchParams)),
);
