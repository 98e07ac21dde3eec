import { listMembers } from '@/lib/server/teams/members';
import { authed } from '../../../../_lib/handler';

export const GET = authed<{ team: string }>(async ({ db, actor, params }) => listMembers(db, actor, params.team));
