import { readLogLines } from '@/lib/server/logs/log-file';
import { attemptQuery, linesQuery } from '@/lib/server/logs/log-queries';
import { findLiveOutput } from '@/lib/server/logs/live-output';
import { parseInput } from '@/lib/server/validation';
import { authed } from '../../../../../../../_lib/handler';

const query = attemptQuery.extend(linesQuery.omit({ wait: true }).shape);

/** Lines of a running attempt's output so far (complete lines only); 409 once it has ended or where it cannot be read. */
export const GET = authed<{ team: string; run: string }>(async ({ db, actor, params, request }) => {
  const { from, count, ...attempt } = parseInput(query, Object.fromEntries(new URL(request.url).searchParams), 'query');
  return readLogLines(await findLiveOutput(db, actor, params.team, params.run, attempt), from, count);
});
