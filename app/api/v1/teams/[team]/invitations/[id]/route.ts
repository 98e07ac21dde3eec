import { revokeInvitation } from '@/lib/server/teams/invitations';
import { authed } from '../../../../../_lib/handler';

export const DELETE = authed<{ team: string; id: string }>(async ({ db, actor, params }) =>
  revokeInvitation(db, actor, params.team, params.id),
);
