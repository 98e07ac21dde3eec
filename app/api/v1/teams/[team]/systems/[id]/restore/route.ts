import { restoreSystem } from '@/lib/server/history/system-health';
import { authed } from '../../../../../../_lib/handler';

export const POST = authed<{ team: string; id: string }>(async ({ db, actor, params }) => restoreSystem(db, actor, params.team, params.id));
