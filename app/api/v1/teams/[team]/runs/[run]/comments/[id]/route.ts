import { deleteComment, editComment } from '@/lib/server/comments/comments';
import { sharedLiveEmitter } from '@/lib/server/runs/shared-live';
import { authed } from '../../../../../../../_lib/handler';

type Params = { team: string; run: string; id: string };

export const PATCH = authed<Params>(async ({ db, actor, params, body }) =>
  editComment(db, actor, params.team, params.run, params.id, await body(), sharedLiveEmitter()),
);
export const DELETE = authed<Params>(async ({ db, actor, params }) =>
  deleteComment(db, actor, params.team, params.run, params.id, sharedLiveEmitter()),
);
