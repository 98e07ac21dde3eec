import { sharedLiveEmitter } from '@/lib/server/runs/shared-live';
import { setTriageState } from '@/lib/server/triage/triage';
import { authed } from '../../../../../../../../_lib/handler';

type Params = { team: string; run: string; result: string };

export const PUT = authed<Params>(async ({ db, actor, params, body }) =>
  setTriageState(db, actor, params.team, params.run, params.result, await body(), { live: sharedLiveEmitter() }),
);
