import { sharedLiveEmitter } from '@/lib/server/runs/shared-live';
import { deleteWaiver, updateWaiver } from '@/lib/server/waivers/waivers';
import { authed } from '../../../../../_lib/handler';

type Params = { team: string; id: string };

export const PATCH = authed<Params>(async ({ db, actor, params, body }) =>
  updateWaiver(db, actor, params.team, params.id, await body(), { live: sharedLiveEmitter() }),
);
export const DELETE = authed<Params>(async ({ db, actor, params }) =>
  deleteWaiver(db, actor, params.team, params.id, { live: sharedLiveEmitter() }),
);
