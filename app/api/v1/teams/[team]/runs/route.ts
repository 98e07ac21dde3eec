import { listRecentRuns } from '@/lib/runs/recent';
import { authed } from '../../../../_lib/handler';

export const GET = authed<{ team: string }>(async ({ db, actor, params }) => listRecentRuns(db, actor, params.team));
