import { readRepoMetadata } from '@/lib/server/repos/discovery';
import { authed } from '../../../../../../_lib/handler';

type Params = { team: string; id: string };

/** `?ref=REF&context=KEY=VALUE&context=…` */
export const GET = authed<Params>(async ({ db, actor, params, request }) => {
  const query = new URL(request.url).searchParams;
  return readRepoMetadata(db, actor, params.team, params.id, { ref: query.get('ref') ?? undefined, context: query.getAll('context') });
});
