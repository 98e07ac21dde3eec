import { describeInvitation } from '@/lib/server/teams/invitations';
import { route } from '../../../_lib/handler';

export const GET = route<{ token: string }>(async ({ db, params }) => describeInvitation(db, params.token));
