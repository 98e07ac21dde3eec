import { previewDiscovery } from '@/lib/server/repos/discovery';
import { authed } from '../../../../_lib/handler';

/** A read (viewer), but with a structured body: the tests a run with these settings would execute. */
export const POST = authed<{ team: string }>(async ({ db, actor, params, body }) => previewDiscovery(db, actor, params.team, await body()));
