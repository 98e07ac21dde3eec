import { deleteRepo, getRepo, updateRepo } from '@/lib/server/repos/repos';
import { authed } from '../../../../../_lib/handler';

type Params = { team: string; id: string };

export const GET = authed<Params>(async ({ db, actor, params }) => getRepo(db, actor, params.team, params.id));
export const PATCH = authed<Params>(async ({ db, actor, params, body }) => updateRepo(db, actor, params.team, params.id, await body()));
export const DELETE = authed<Params>(async ({ db, actor, params }) => deleteRepo(db, actor, params.team, params.id));
