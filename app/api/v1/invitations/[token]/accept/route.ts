import { acceptInvitation } from '@/lib/teams/invitations';
import { authed } from '../../../../_lib/handler';

export const POST = authed<{ token: string }>(async ({ db, actor, params }) => acceptInvitation(db, actor, params.token));
