import { createPlatform, listPlatforms } from '@/lib/server/platforms/platforms';
import { authed } from '../../../../_lib/handler';

type Params = { team: string };

export const GET = authed<Params>(async ({ db, actor, params }) => listPlatforms(db, actor, params.team));
export const POST = authed<Params>(async ({ db, actor, params, body }) => createPlatform(db, actor, params.team, await body()), 201);
