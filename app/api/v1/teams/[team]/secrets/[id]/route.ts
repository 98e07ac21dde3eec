import { deleteSecret } from '@/lib/server/secrets/secrets';
import { authed } from '../../../../../_lib/handler';

export const DELETE = authed<{ team: string; id: string }>(async ({ db, actor, params }) =>
  deleteSecret(db, actor, params.team, params.id),
);
