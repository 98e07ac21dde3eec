import { createWebhook, listWebhooks } from '@/lib/server/webhooks/webhooks';
import { authed } from '../../../../_lib/handler';

type Params = { team: string };

export const GET = authed<Params>(async ({ db, actor, params }) => listWebhooks(db, actor, params.team));
export const POST = authed<Params>(async ({ db, actor, params, body }) => createWebhook(db, actor, params.team, await body()), 201);
