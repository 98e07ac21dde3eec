import { authed } from '../../_lib/handler';

export const GET = authed(async ({ db, actor }) =>
  db.user.findUniqueOrThrow({ where: { id: actor.userId }, select: { id: true, name: true, email: true } }),
);
