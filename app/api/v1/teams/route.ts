import { createTeam, listMyTeams } from '@/lib/server/teams/teams';
import { authed } from '../../_lib/handler';

export const GET = authed(async ({ db, actor }) => listMyTeams(db, actor));
export const POST = authed(async ({ db, actor, body }) => createTeam(db, actor, await body()), 201);
