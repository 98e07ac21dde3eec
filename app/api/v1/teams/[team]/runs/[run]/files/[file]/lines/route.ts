import { countLogLines, readLogLines } from '@/lib/server/logs/log-file';
import { linesQuery } from '@/lib/server/logs/log-queries';
import { findRunArtifact } from '@/lib/server/logs/run-artifact';
import { parseInput } from '@/lib/server/validation';
import { authed } from '../../../../../../../../_lib/handler';

/** Lines of a stored text file by number, without reading the file whole. */
export const GET = authed<{ team: string; run: string; file: string }>(async ({ db, actor, params, request }) => {
  const { from, count, wait } = parseInput(linesQuery, Object.fromEntries(new URL(request.url).searchParams), 'query');
  const artifact = await findRunArtifact(db, actor, params.team, params.run, params.file);
  if (wait === '1') await countLogLines(artifact);
  return readLogLines(artifact, from, count);
});
