import { z } from 'zod';
import { listRunEvents } from '@/lib/server/runs/details';
import { parseInput } from '@/lib/server/validation';
import { authed } from '../../../../../../_lib/handler';

const query = z.object({
  // a sequence number is a PostgreSQL integer
  after: z.coerce
    .number()
    .int()
    .min(0)
    .max(2 ** 31 - 1)
    .default(0),
  limit: z.coerce.number().int().min(1).max(5000).default(5000),
});

export const GET = authed<{ team: string; run: string }>(async ({ db, actor, params, request }) => {
  const { after, limit } = parseInput(query, Object.fromEntries(new URL(request.url).searchParams), 'query');
  return listRunEvents(db, actor, params.team, params.run, after, limit);
});
