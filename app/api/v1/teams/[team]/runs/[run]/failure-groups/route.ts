import { runFailureGroups } from '@/lib/server/compare/signatures';
import { authed } from '../../../../../../_lib/handler';

export const GET = authed<{ team: string; run: string }>(async ({ db, actor, params, request }) =>
  runFailureGroups(db, actor, params.team, params.run, Object.fromEntries(new URL(request.url).searchParams)),
);
