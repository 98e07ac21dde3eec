import { searchLog } from '@/lib/server/logs/log-file';
import { searchQuery } from '@/lib/server/logs/log-queries';
import { findRunArtifact } from '@/lib/server/logs/run-artifact';
import { parseInput } from '@/lib/server/validation';
import { authed } from '../../../../../../../../_lib/handler';

/** Line numbers (and text) of the lines of a stored file that contain `q`, from line `from` on; `case=insensitive` folds ASCII letters. */
export const GET = authed<{ team: string; run: string; file: string }>(async ({ db, actor, params, request }) => {
  const { q, from, limit, case: letterCase } = parseInput(searchQuery, Object.fromEntries(new URL(request.url).searchParams), 'query');
  const artifact = await findRunArtifact(db, actor, params.team, params.run, params.file);
  return searchLog(artifact, q, from, limit, { ignoreCase: letterCase === 'insensitive' });
});
