import { rerunFailedTests } from '@/lib/server/results/rerun-failed';
import { sharedJobQueue } from '@/lib/server/runs/job-queue';
import { sharedLiveEmitter } from '@/lib/server/runs/shared-live';
import { authed } from '../../../../../../_lib/handler';

export const POST = authed<{ team: string; run: string }>(
  async ({ db, actor, params }) =>
    rerunFailedTests(db, actor, params.team, params.run, { jobQueue: sharedJobQueue(), live: sharedLiveEmitter() }),
  201,
);
