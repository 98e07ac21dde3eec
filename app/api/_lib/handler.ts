import { NextResponse } from 'next/server';
import type { Actor } from '@/lib/server/access/actor';
import { actorFromHeaders } from '@/lib/server/auth/actor';
import { db, type Db } from '@/lib/server/db/client';
import { Prisma } from '@/lib/generated/prisma/client';
import { AppError, invalid, tooLarge, unauthenticated } from '@/lib/server/errors';
import { inputLimits } from '@/lib/server/validation';
import { messageOf } from '@/lib/shared/errors';

const statusOf: Record<AppError['code'], number> = {
  invalid: 400,
  unauthenticated: 401,
  forbidden: 403,
  'not-found': 404,
  conflict: 409,
  gone: 410,
  'too-large': 413,
};

interface Context<Params> {
  request: Request;
  params: Params;
  db: Db;
  /** Reads the JSON body; a missing or malformed body is a 400. */
  body(): Promise<unknown>;
}

type RouteContext<Params> = { params: Promise<Params> };

/** A route handler that needs a signed-in user or an API token. */
export function authed<Params = Record<string, never>>(
  handle: (context: Context<Params> & { actor: Actor }) => Promise<unknown>,
  successStatus = 200,
) {
  return route<Params>(async (context) => {
    const actor = await actorFromHeaders(context.request.headers);
    if (!actor) throw unauthenticated();
    return handle({ ...context, actor });
  }, successStatus);
}

/** A route handler anyone may call. */
export function route<Params = Record<string, never>>(handle: (context: Context<Params>) => Promise<unknown>, successStatus = 200) {
  return async (request: Request, { params }: RouteContext<Params>): Promise<Response> => {
    try {
      const result = await handle({ request, params: await params, db: db(), body: () => readJson(request) });
      if (result === undefined) return new Response(null, { status: 204 });
      return NextResponse.json(result, { status: successStatus });
    } catch (error) {
      return errorResponse(error);
    }
  };
}

export function errorResponse(error: unknown): Response {
  if (error instanceof AppError) {
    return NextResponse.json(
      { error: error.message, ...(error.issues.length ? { issues: error.issues } : {}) },
      { status: statusOf[error.code] },
    );
  }
  // Two requests creating the same name at once: the check before the insert saw neither, the unique index sees both.
  if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2002') {
    return NextResponse.json({ error: 'that already exists (created at the same moment by another request)' }, { status: 409 });
  }
  console.error(error);
  return NextResponse.json({ error: 'internal error; the server log has the details' }, { status: 500 });
}

/** The body as JSON: at most `inputLimits.bodyBytes`, and valid UTF-8 (never silently "repaired"). */
async function readJson(request: Request): Promise<unknown> {
  const bytes = await readBody(request, inputLimits.bodyBytes);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw invalid('the body is not valid UTF-8');
  }
  if (!text.trim()) throw invalid('the request needs a JSON body');
  try {
    return JSON.parse(text);
  } catch (error) {
    throw invalid(`the body is not valid JSON: ${messageOf(error)}`);
  }
}

async function readBody(request: Request, limit: number): Promise<Uint8Array> {
  const tooBig = () => tooLarge(`the body is larger than ${limit} bytes`);
  if (Number(request.headers.get('content-length') ?? 0) > limit) throw tooBig();
  if (!request.body) return new Uint8Array();
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = request.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel();
      throw tooBig();
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks);
}
