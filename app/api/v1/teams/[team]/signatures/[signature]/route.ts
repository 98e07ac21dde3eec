import { signatureOccurrences } from '@/lib/server/compare/signatures';
import { authed } from '../../../../../_lib/handler';

export const GET = authed<{ team: string; signature: string }>(async ({ db, actor, params, request }) =>
  signatureOccurrences(db, actor, params.team, params.signature, Object.fromEntries(new URL(request.url).searchParams)),
);
