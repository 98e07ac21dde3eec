import { searchLog } from '@/lib/server/logs/log-file';
import { attemptQuery, searchQuery } from '@/lib/server/logs/log-queries';
import { findLiveOutput } from '@/lib/server/logs/live-output';
import { parseInput } from '@/lib/server/validation';
import { authed } from '../../../../../../../_lib/handler';

const query = attemptQuery.extend(searchQuery.shape);

/** Lines of a running attempt's output so far that contain `q`; 409 once it has ended or where it cannot be read. */
export const GET = authed<{ team: string; run: string }>(async ({ db, actor, params, request }) => {
  const {
    q,
    from,
    limit,
    case: letterCase,
    ...attempt
  } = parseInput(query, Object.fromEntries(new URL(request.url).searchParams), 'query');
  return searchLog(await findLiveOutput(db, actor, params.team, params.run, attempt), q, from, limit, {
    ignoreCase: letterCase === 'insensitive',
  });
});
