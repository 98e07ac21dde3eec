import { rerunFailedTests } from '@/lib/results/rerun-failed';
import { sharedJobQueue } from '@/lib/runs/job-queue';
import { sharedLiveEmitter } from '@/lib/runs/shared-live';
import { authed } from '../../../../../../_lib/handler';

export const POST = authed<{ team: string; run: string }>(
  async ({ db, actor, params }) => rerunFailedTests(db, actor, params.team, params.run, { jobQueue: sharedJobQueue(), live: sharedLiveEmitter() }),
  201,
);
