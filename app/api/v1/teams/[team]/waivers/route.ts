import { sharedLiveEmitter } from '@/lib/server/runs/shared-live';
import { createWaiver, listWaivers } from '@/lib/server/waivers/waivers';
import { authed } from '../../../../_lib/handler';

type Params = { team: string };

export const GET = authed<Params>(async ({ db, actor, params }) => listWaivers(db, actor, params.team));
export const POST = authed<Params>(
  async ({ db, actor, params, body }) => createWaiver(db, actor, params.team, await body(), { live: sharedLiveEmitter() }),
  201,
);
