import { listMembers } from '@/lib/teams/members';
import { authed } from '../../../../_lib/handler';

export const GET = authed<{ team: string }>(async ({ db, actor, params }) => listMembers(db, actor, params.team));
