import { getRun } from '@/lib/server/runs/details';
import { authed } from '../../../../../_lib/handler';

export const GET = authed<{ team: string; run: string }>(async ({ db, actor, params }) => getRun(db, actor, params.team, params.run));
