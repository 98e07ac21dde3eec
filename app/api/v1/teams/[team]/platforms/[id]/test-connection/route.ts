import { testPlatformConnection } from '@/lib/server/platforms/test-connection';
import { authed } from '../../../../../../_lib/handler';

export const POST = authed<{ team: string; id: string }>(async ({ db, actor, params }) =>
  testPlatformConnection(db, actor, params.team, params.id),
);
