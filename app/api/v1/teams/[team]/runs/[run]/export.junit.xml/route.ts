import { runAsJunitXml } from '@/lib/server/runs/export';
import { download } from '../download';

export const GET = download(
  'application/xml; charset=utf-8',
  ({ run }) => `run-${run}.junit.xml`,
  async function* (db, actor, params) {
    yield await runAsJunitXml(db, actor, params.team, params.run);
  },
);
