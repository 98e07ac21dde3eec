import type { Actor } from '../access/actor';
import { db } from '../db/client';
import { actorFromApiToken } from '../tokens/api-tokens';
import { auth } from './auth';

/**
 * Who sent these request headers: an API token (`Authorization: Bearer`) or
 * a session cookie. Null when neither identifies anyone.
 */
export async function actorFromHeaders(headers: Headers): Promise<Actor | null> {
  const authorization = headers.get('authorization');
  if (authorization) {
    const match = /^Bearer\s+(\S+)$/i.exec(authorization);
    return match ? actorFromApiToken(db(), match[1]) : null;
  }
  const session = await auth().api.getSession({ headers });
  return session ? { userId: session.user.id } : null;
}
