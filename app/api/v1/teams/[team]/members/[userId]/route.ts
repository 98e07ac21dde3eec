import { changeMemberRole, removeMember } from '@/lib/server/teams/members';
import { authed } from '../../../../../_lib/handler';

type Params = { team: string; userId: string };

export const PATCH = authed<Params>(async ({ db, actor, params, body }) =>
  changeMemberRole(db, actor, params.team, params.userId, await body()),
);
export const DELETE = authed<Params>(async ({ db, actor, params }) => removeMember(db, actor, params.team, params.userId));
