import { z } from 'zod';
import type { Actor } from '../access/actor';
import { requireTeamRole } from '../access/team-access';
import { hasRole } from '../../shared/roles';
import type { Db } from '../db/client';
import { notFound } from '../errors';
import { parseInput } from '../validation';
import { hashSecretToken, newSecretToken } from './secret-token';

const createTokenInput = z.object({ name: z.string().trim().min(1).max(100) });

export interface ApiTokenInfo {
  id: string;
  name: string;
  prefix: string;
  createdAt: Date;
  lastUsedAt: Date | null;
}

const publicFields = { id: true, name: true, prefix: true, createdAt: true, lastUsedAt: true } as const;

/** Every member, viewers included, may have tokens; a token acts with its user's role in one team. */
export async function createApiToken(db: Db, actor: Actor, teamSlug: string, input: unknown): Promise<ApiTokenInfo & { token: string }> {
  const { team } = await requireTeamRole(db, actor, teamSlug, 'viewer');
  const { name } = parseInput(createTokenInput, input, 'API token');
  const { token, hash } = newSecretToken('tyt');
  const created = await db.apiToken.create({
    data: { userId: actor.userId, teamId: team.id, name, tokenHash: hash, prefix: token.slice(0, 10) },
    select: publicFields,
  });
  return { ...created, token };
}

export async function listApiTokens(db: Db, actor: Actor, teamSlug: string): Promise<ApiTokenInfo[]> {
  const { team } = await requireTeamRole(db, actor, teamSlug, 'viewer');
  return db.apiToken.findMany({
    where: { teamId: team.id, userId: actor.userId, revokedAt: null },
    select: publicFields,
    orderBy: { createdAt: 'desc' },
  });
}

/** People revoke their own tokens; admins may revoke anyone's in their team. */
export async function revokeApiToken(db: Db, actor: Actor, teamSlug: string, tokenId: string): Promise<void> {
  const { team, role } = await requireTeamRole(db, actor, teamSlug, 'viewer');
  const owner = hasRole(role, 'admin') ? {} : { userId: actor.userId };
  const { count } = await db.apiToken.updateMany({
    where: { id: tokenId, teamId: team.id, revokedAt: null, ...owner },
    data: { revokedAt: new Date() },
  });
  if (count === 0) throw notFound('API token');
}

/** Resolves `Authorization: Bearer <token>` to an actor, or null when the token is unknown or revoked. */
export async function actorFromApiToken(db: Db, token: string): Promise<Actor | null> {
  const found = await db.apiToken.findUnique({ where: { tokenHash: hashSecretToken(token) } });
  if (!found || found.revokedAt) return null;
  if (!found.lastUsedAt || Date.now() - found.lastUsedAt.getTime() > 60_000) {
    await db.apiToken.update({ where: { id: found.id }, data: { lastUsedAt: new Date() } });
  }
  return { userId: found.userId, tokenTeamId: found.teamId };
}
