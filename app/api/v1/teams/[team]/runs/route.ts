import { createRun } from '@/lib/server/runs/create';
import { sharedJobQueue } from '@/lib/server/runs/job-queue';
import { listRecentRuns } from '@/lib/server/runs/recent';
import { sharedLiveEmitter } from '@/lib/server/runs/shared-live';
import { authed } from '../../../../_lib/handler';

export const GET = authed<{ team: string }>(async ({ db, actor, params }) => listRecentRuns(db, actor, params.team));

export const POST = authed<{ team: string }>(
  async ({ db, actor, params, body }) =>
    createRun(db, actor, params.team, await body(), { jobQueue: sharedJobQueue(), live: sharedLiveEmitter() }),
  201,
);
