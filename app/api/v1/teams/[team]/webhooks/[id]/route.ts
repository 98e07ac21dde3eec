import { changeWebhook, deleteWebhook, getWebhook } from '@/lib/server/webhooks/webhooks';
import { authed } from '../../../../../_lib/handler';

type Params = { team: string; id: string };

export const GET = authed<Params>(async ({ db, actor, params }) => getWebhook(db, actor, params.team, params.id));
export const PATCH = authed<Params>(async ({ db, actor, params, body }) => changeWebhook(db, actor, params.team, params.id, await body()));
export const DELETE = authed<Params>(async ({ db, actor, params }) => deleteWebhook(db, actor, params.team, params.id));
