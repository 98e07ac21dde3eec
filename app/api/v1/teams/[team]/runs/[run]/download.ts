import { actorFromHeaders } from '@/lib/server/auth/actor';
import type { Actor } from '@/lib/server/access/actor';
import { db, type Db } from '@/lib/server/db/client';
import { unauthenticated } from '@/lib/server/errors';
import { errorResponse } from '../../../../../_lib/handler';

type Params = { team: string; run: string };

/**
 * A file download of a run. Failures before the first chunk (no access, no
 * such run) still get their status code; after it the body streams.
 */
export function download(
  contentType: string,
  fileName: (params: Params) => string,
  produce: (db: Db, actor: Actor, params: Params) => AsyncIterable<string>,
) {
  return async (request: Request, { params }: { params: Promise<Params> }): Promise<Response> => {
    try {
      const actor = await actorFromHeaders(request.headers);
      if (!actor) throw unauthenticated();
      const resolved = await params;
      const chunks = produce(db(), actor, resolved)[Symbol.asyncIterator]();
      const first = await chunks.next();
      const encoder = new TextEncoder();
      const body = new ReadableStream<Uint8Array>({
        start(controller) {
          if (!first.done) controller.enqueue(encoder.encode(first.value));
        },
        async pull(controller) {
          const next = await chunks.next();
          if (next.done) controller.close();
          else controller.enqueue(encoder.encode(next.value));
        },
        async cancel() {
          await chunks.return?.(undefined);
        },
      });
      return new Response(first.done ? '' : body, {
        headers: { 'content-type': contentType, 'content-disposition': `attachment; filename="${fileName(resolved)}"` },
      });
    } catch (error) {
      return errorResponse(error);
    }
  };
}
