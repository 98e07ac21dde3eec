import { requireTeamRole } from '@/lib/server/access/team-access';
import { deleteTeam, renameTeam } from '@/lib/server/teams/teams';
import { authed } from '../../../_lib/handler';

type Params = { team: string };

export const GET = authed<Params>(async ({ db, actor, params }) => {
  const { team, role } = await requireTeamRole(db, actor, params.team, 'viewer');
  return { ...team, role };
});
export const PATCH = authed<Params>(async ({ db, actor, params, body }) => renameTeam(db, actor, params.team, await body()));
export const DELETE = authed<Params>(async ({ db, actor, params }) => deleteTeam(db, actor, params.team));
