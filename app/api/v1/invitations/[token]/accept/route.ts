import { acceptInvitation } from '@/lib/server/teams/invitations';
import { authed } from '../../../../_lib/handler';

export const POST = authed<{ token: string }>(async ({ db, actor, params }) => acceptInvitation(db, actor, params.token));
