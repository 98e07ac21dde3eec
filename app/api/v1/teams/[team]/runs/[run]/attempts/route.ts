import { z } from 'zod';
import { getTestAttempts } from '@/lib/server/results/test-attempts';
import { parseInput } from '@/lib/server/validation';
import { authed } from '../../../../../../_lib/handler';

const query = z.object({ platform: z.string().min(1).max(500), test: z.string().min(1).max(5000) });

export const GET = authed<{ team: string; run: string }>(async ({ db, actor, params, request }) => {
  const { platform, test } = parseInput(query, Object.fromEntries(new URL(request.url).searchParams), 'query');
  return getTestAttempts(db, actor, params.team, params.run, platform, test);
});
