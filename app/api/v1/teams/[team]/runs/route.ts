import { createRun } from '@/lib/server/runs/create';
import { listRunsIndex } from '@/lib/server/history/runs-index';
import { sharedJobQueue } from '@/lib/server/runs/job-queue';
import { sharedLiveEmitter } from '@/lib/server/runs/shared-live';
import { authed } from '../../../../_lib/handler';

export const GET = authed<{ team: string }>(async ({ db, actor, params, request }) =>
  listRunsIndex(db, actor, params.team, Object.fromEntries(new URL(request.url).searchParams)),
);

export const POST = authed<{ team: string }>(
  async ({ db, actor, params, body }) =>
    createRun(db, actor, params.team, await body(), { jobQueue: sharedJobQueue(), live: sharedLiveEmitter() }),
  201,
);
