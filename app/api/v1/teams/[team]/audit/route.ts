import { auditPage } from '@/lib/server/audit/audit-query';
import { authed } from '../../../../_lib/handler';

export const GET = authed<{ team: string }>(async ({ db, actor, params, request }) =>
  auditPage(db, actor, params.team, Object.fromEntries(new URL(request.url).searchParams)),
);
