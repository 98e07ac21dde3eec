import { cancelRun } from '@/lib/server/runs/cancel';
import { sharedLiveEmitter } from '@/lib/server/runs/shared-live';
import { authed } from '../../../../../../_lib/handler';

export const POST = authed<{ team: string; run: string }>(async ({ db, actor, params }) =>
  cancelRun(db, actor, params.team, params.run, sharedLiveEmitter()),
);
