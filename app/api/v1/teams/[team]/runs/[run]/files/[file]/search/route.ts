import { z } from 'zod';
import { searchLog } from '@/lib/logs/log-file';
import { findRunArtifact } from '@/lib/logs/run-artifact';
import { parseInput } from '@/lib/validation';
import { authed } from '../../../../../../../../_lib/handler';

const query = z.object({
  q: z.string().min(1).max(1000).refine((text) => !text.includes('\n'), 'searches are within one line'),
  from: z.coerce.number().int().min(0).max(Number.MAX_SAFE_INTEGER).default(0),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  case: z.enum(['sensitive', 'insensitive']).default('sensitive'),
});

/** Line numbers (and text) of the lines of a stored file that contain `q`, from line `from` on; `case=insensitive` folds ASCII letters. */
export const GET = authed<{ team: string; run: string; file: string }>(async ({ db, actor, params, request }) => {
  const { q, from, limit, case: letterCase } = parseInput(query, Object.fromEntries(new URL(request.url).searchParams), 'query');
  const artifact = await findRunArtifact(db, actor, params.team, params.run, params.file);
  return searchLog(artifact, q, from, limit, { ignoreCase: letterCase === 'insensitive' });
});
