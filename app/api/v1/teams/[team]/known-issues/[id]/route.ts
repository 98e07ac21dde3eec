import { deleteKnownIssue, getKnownIssue, updateKnownIssue } from '@/lib/server/known-issues/known-issues';
import { sharedLiveEmitter } from '@/lib/server/runs/shared-live';
import { authed } from '../../../../../_lib/handler';

type Params = { team: string; id: string };

export const GET = authed<Params>(async ({ db, actor, params }) => getKnownIssue(db, actor, params.team, params.id));
export const PATCH = authed<Params>(async ({ db, actor, params, body }) =>
  updateKnownIssue(db, actor, params.team, params.id, await body(), { live: sharedLiveEmitter() }),
);
export const DELETE = authed<Params>(async ({ db, actor, params }) =>
  deleteKnownIssue(db, actor, params.team, params.id, { live: sharedLiveEmitter() }),
);
