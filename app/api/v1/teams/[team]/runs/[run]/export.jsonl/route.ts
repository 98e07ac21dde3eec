import { runAsAtexJsonLines } from '@/lib/server/runs/export';
import { download } from '../download';

export const GET = download(
  'application/jsonl; charset=utf-8',
  ({ run }) => `run-${run}.jsonl`,
  (db, actor, params) => runAsAtexJsonLines(db, actor, params.team, params.run),
);
