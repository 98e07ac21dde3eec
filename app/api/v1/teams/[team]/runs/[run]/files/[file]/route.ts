import { createReadStream } from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { actorFromHeaders } from '@/lib/server/auth/actor';
import { db } from '@/lib/server/db/client';
import { unauthenticated } from '@/lib/server/errors';
import { parseByteRange } from '@/lib/server/logs/byte-range';
import { findRunArtifact } from '@/lib/server/logs/run-artifact';
import { errorResponse } from '../../../../../../../_lib/handler';

// Stored files come from tests: whatever they contain runs in no origin of ours.
// Framed only by the app's own result page (its HTML viewer).
const sandboxPolicy =
  "sandbox; default-src 'none'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; font-src 'self' data:; media-src 'self'; frame-ancestors 'self'";

/** A stored file, whole or one byte range of it (HTTP Range), streamed from the artifact store. `?download=1` asks for an attachment. */
export async function GET(
  request: Request,
  { params }: { params: Promise<{ team: string; run: string; file: string }> },
): Promise<Response> {
  try {
    const actor = await actorFromHeaders(request.headers);
    if (!actor) throw unauthenticated();
    const { team, run, file } = await params;
    const artifact = await findRunArtifact(db(), actor, team, run, file);
    const attachment = new URL(request.url).searchParams.get('download') === '1' || artifact.viewer === 'download';
    const headers = new Headers({
      'content-type': artifact.contentType,
      'accept-ranges': 'bytes',
      etag: `"${artifact.sha256}"`,
      'cache-control': 'private, max-age=31536000, immutable',
      'x-content-type-options': 'nosniff',
      'content-security-policy': sandboxPolicy,
      'x-frame-options': 'SAMEORIGIN',
      'content-disposition': `${attachment ? 'attachment' : 'inline'}; filename*=UTF-8''${encodeURIComponent(path.basename(artifact.relativePath))}`,
    });
    const range = parseByteRange(request.headers.get('range'), artifact.size);
    if (range === 'unsatisfiable') {
      headers.set('content-range', `bytes */${artifact.size}`);
      return new Response(null, { status: 416, headers });
    }
    const { start, end } = range ?? { start: 0, end: artifact.size - 1 };
    headers.set('content-length', String(Math.max(0, end - start + 1)));
    if (range) headers.set('content-range', `bytes ${start}-${end}/${artifact.size}`);
    const body =
      artifact.size === 0 ? null : (Readable.toWeb(createReadStream(artifact.path, { start, end })) as ReadableStream<Uint8Array>);
    return new Response(body, { status: range ? 206 : 200, headers });
  } catch (error) {
    return errorResponse(error);
  }
}
