import { createComment, listComments } from '@/lib/server/comments/comments';
import { sharedLiveEmitter } from '@/lib/server/runs/shared-live';
import { authed } from '../../../../../../_lib/handler';

type Params = { team: string; run: string };

export const GET = authed<Params>(async ({ db, actor, params, request }) =>
  listComments(db, actor, params.team, params.run, Object.fromEntries(new URL(request.url).searchParams)),
);
export const POST = authed<Params>(
  async ({ db, actor, params, body }) => createComment(db, actor, params.team, params.run, await body(), sharedLiveEmitter()),
  201,
);
