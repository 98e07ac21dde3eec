import { createApiToken, listApiTokens } from '@/lib/server/tokens/api-tokens';
import { authed } from '../../../../_lib/handler';

type Params = { team: string };

export const GET = authed<Params>(async ({ db, actor, params }) => listApiTokens(db, actor, params.team));
export const POST = authed<Params>(async ({ db, actor, params, body }) => createApiToken(db, actor, params.team, await body()), 201);
