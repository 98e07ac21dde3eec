import { createSecret, listSecrets } from '@/lib/server/secrets/secrets';
import { authed } from '../../../../_lib/handler';

type Params = { team: string };

export const GET = authed<Params>(async ({ db, actor, params }) => listSecrets(db, actor, params.team));
export const POST = authed<Params>(async ({ db, actor, params, body }) => createSecret(db, actor, params.team, await body()), 201);
