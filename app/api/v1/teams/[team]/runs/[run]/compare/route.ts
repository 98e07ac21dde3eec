import { compareRuns } from '@/lib/server/compare/compare';
import { authed } from '../../../../../../_lib/handler';

export const GET = authed<{ team: string; run: string }>(async ({ db, actor, params, request }) =>
  compareRuns(db, actor, params.team, params.run, Object.fromEntries(new URL(request.url).searchParams)),
);
