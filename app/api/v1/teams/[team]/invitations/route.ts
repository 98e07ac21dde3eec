import { publicUrl } from '@/lib/server/config';
import { inviteMember, listInvitations } from '@/lib/server/teams/invitations';
import { authed } from '../../../../_lib/handler';

type Params = { team: string };

export const GET = authed<Params>(async ({ db, actor, params }) => listInvitations(db, actor, params.team));
export const POST = authed<Params>(async ({ db, actor, params, body }) => {
  const { token, ...invitation } = await inviteMember(db, actor, params.team, await body());
  return { ...invitation, url: `${publicUrl()}/invite/${token}` };
}, 201);
