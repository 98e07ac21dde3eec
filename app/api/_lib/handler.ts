import { NextResponse } from 'next/server';
import type { Actor } from '@/lib/access/actor';
import { actorFromHeaders } from '@/lib/auth/actor';
import { db, type Db } from '@/lib/db/client';
import { AppError, invalid, unauthenticated } from '@/lib/errors';

const statusOf: Record<AppError['code'], number> = {
  invalid: 400,
  unauthenticated: 401,
  forbidden: 403,
  'not-found': 404,
  conflict: 409,
  gone: 410,
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
    return NextResponse.json({ error: error.message, ...(error.issues.length ? { issues: error.issues } : {}) }, { status: statusOf[error.code] });
  }
  console.error(error);
  return NextResponse.json({ error: 'internal error; the server log has the details' }, { status: 500 });
}

async function readJson(request: Request): Promise<unknown> {
  const text = await request.text();
  if (!text.trim()) throw invalid('the request needs a JSON body');
  try {
    return JSON.parse(text);
  } catch (error) {
    throw invalid(`the body is not valid JSON: ${(error as Error).message}`);
  }
}
