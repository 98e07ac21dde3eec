import { createExample } from '@/lib/server/example/example';
import { authed } from '../../../../_lib/handler';

type Params = { team: string };

export const POST = authed<Params>(async ({ db, actor, params }) => createExample(db, actor, params.team), 201);
