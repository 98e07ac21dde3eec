import { revokeApiToken } from '@/lib/server/tokens/api-tokens';
import { authed } from '../../../../../_lib/handler';

export const DELETE = authed<{ team: string; id: string }>(async ({ db, actor, params }) =>
  revokeApiToken(db, actor, params.team, params.id),
);
