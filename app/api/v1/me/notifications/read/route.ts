import { markNotificationsRead } from '@/lib/server/notifications/notifications';
import { sharedLiveEmitter } from '@/lib/server/runs/shared-live';
import { authed } from '../../../../_lib/handler';

export const POST = authed(async ({ db, actor, body }) => markNotificationsRead(db, actor, await body(), sharedLiveEmitter()));
