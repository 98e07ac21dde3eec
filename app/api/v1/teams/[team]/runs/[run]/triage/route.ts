import { getRunTriage } from '@/lib/server/triage/triage';
import { authed } from '../../../../../../_lib/handler';

export const GET = authed<{ team: string; run: string }>(async ({ db, actor, params }) => getRunTriage(db, actor, params.team, params.run));
