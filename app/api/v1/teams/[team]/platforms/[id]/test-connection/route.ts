import { testPlatformConnection } from '@/lib/platforms/test-connection';
import { authed } from '../../../../../../_lib/handler';

export const POST = authed<{ team: string; id: string }>(async ({ db, actor, params }) => testPlatformConnection(db, actor, params.team, params.id));
