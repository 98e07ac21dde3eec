import { listSystemHealth } from '@/lib/server/history/system-health';
import { authed } from '../../../../_lib/handler';

export const GET = authed<{ team: string }>(async ({ db, actor, params }) => listSystemHealth(db, actor, params.team));
