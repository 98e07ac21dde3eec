import { listResults } from '@/lib/server/results/list';
import { authed } from '../../../../../../_lib/handler';

export const GET = authed<{ team: string; run: string }>(async ({ db, actor, params, request }) =>
  listResults(db, actor, params.team, params.run, Object.fromEntries(new URL(request.url).searchParams)),
);
