import { z } from 'zod';
import { countLogLines, readLogLines } from '@/lib/logs/log-file';
import { findRunArtifact } from '@/lib/logs/run-artifact';
import { parseInput } from '@/lib/validation';
import { authed } from '../../../../../../../../_lib/handler';

const query = z.object({
  from: z.coerce.number().int().min(0).max(Number.MAX_SAFE_INTEGER).default(0),
  count: z.coerce.number().int().min(0).max(5000).default(200),
  /** 1: answer once the file's line count is known. */
  wait: z.enum(['0', '1']).default('0'),
});

/** Lines of a stored text file by number, without reading the file whole. */
export const GET = authed<{ team: string; run: string; file: string }>(async ({ db, actor, params, request }) => {
  const { from, count, wait } = parseInput(query, Object.fromEntries(new URL(request.url).searchParams), 'query');
  const artifact = await findRunArtifact(db, actor, params.team, params.run, params.file);
  if (wait === '1') await countLogLines(artifact);
  return readLogLines(artifact, from, count);
});
