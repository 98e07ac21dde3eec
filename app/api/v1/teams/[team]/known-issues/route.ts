import { createKnownIssue, listKnownIssues } from '@/lib/server/known-issues/known-issues';
import { sharedLiveEmitter } from '@/lib/server/runs/shared-live';
import { authed } from '../../../../_lib/handler';

type Params = { team: string };

export const GET = authed<Params>(async ({ db, actor, params }) => listKnownIssues(db, actor, params.team));
export const POST = authed<Params>(
  async ({ db, actor, params, body }) => createKnownIssue(db, actor, params.team, await body(), { live: sharedLiveEmitter() }),
  201,
);
