import { deletePlatform, getPlatform, updatePlatform } from '@/lib/server/platforms/platforms';
import { authed } from '../../../../../_lib/handler';

type Params = { team: string; id: string };

export const GET = authed<Params>(async ({ db, actor, params }) => getPlatform(db, actor, params.team, params.id));
export const PATCH = authed<Params>(async ({ db, actor, params, body }) => updatePlatform(db, actor, params.team, params.id, await body()));
export const DELETE = authed<Params>(async ({ db, actor, params }) => deletePlatform(db, actor, params.team, params.id));
