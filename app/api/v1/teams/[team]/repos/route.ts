import { createRepo, listRepos } from '@/lib/server/repos/repos';
import { authed } from '../../../../_lib/handler';

type Params = { team: string };

export const GET = authed<Params>(async ({ db, actor, params }) => listRepos(db, actor, params.team));
export const POST = authed<Params>(async ({ db, actor, params, body }) => createRepo(db, actor, params.team, await body()), 201);
