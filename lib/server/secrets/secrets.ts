import { z } from 'zod';
import type { Actor } from '../access/actor';
import { requireTeamRole } from '../access/team-access';
import type { Db } from '../db/client';
import { conflict, notFound } from '../errors';
import { parseInput } from '../validation';
import { secretKinds } from '../../shared/secret-kinds';
import { decryptSecret, encryptSecret } from './cipher';
import { loadServerKeys } from './keys';
import { rememberSecret, SecretRedactor } from './redaction';

export const secretInput = z.object({
  name: z
    .string()
    .trim()
    .min(1)
    .max(100)
    .regex(/^[\w.-]+$/, 'use letters, digits, ".", "_" and "-"'),
  kind: z.enum(secretKinds),
  // Shorter values could not be told apart from ordinary text when they are blanked out of logs and events.
  value: z
    .string()
    .min(8, 'a secret has at least 8 characters')
    .max(64 * 1024),
});

/** What any API or page may show of a secret: never its value. */
export interface SecretInfo {
  id: string;
  name: string;
  kind: string;
  createdAt: Date;
}

const publicFields = { id: true, name: true, kind: true, createdAt: true } as const;

export async function listSecrets(db: Db, actor: Actor, teamSlug: string): Promise<SecretInfo[]> {
  const { team } = await requireTeamRole(db, actor, teamSlug, 'viewer');
  return db.secret.findMany({ where: { teamId: team.id }, select: publicFields, orderBy: { name: 'asc' } });
}

export async function createSecret(db: Db, actor: Actor, teamSlug: string, input: unknown): Promise<SecretInfo> {
  const { team } = await requireTeamRole(db, actor, teamSlug, 'admin');
  const { name, kind, value } = parseInput(secretInput, input, 'secret');
  if (await db.secret.findUnique({ where: { teamId_name: { teamId: team.id, name } } })) {
    throw conflict(`a secret named ${name} already exists in this team`);
  }
  const ciphertext = encryptSecret(loadServerKeys().encryptionKey, value, team.id);
  return db.secret.create({ data: { teamId: team.id, name, kind, ciphertext, createdById: actor.userId }, select: publicFields });
}

export async function deleteSecret(db: Db, actor: Actor, teamSlug: string, secretId: string): Promise<void> {
  const { team } = await requireTeamRole(db, actor, teamSlug, 'admin');
  const { count } = await db.secret.deleteMany({ where: { id: secretId, teamId: team.id } });
  if (count === 0) throw notFound('secret');
}

/**
 * For handing to a provisioner only: the plaintext. From now on this
 * process blanks it out of events, stored errors and log lines.
 */
export async function revealSecret(db: Db, teamId: string, secretId: string): Promise<string> {
  const secret = await db.secret.findFirst({ where: { id: secretId, teamId } });
  if (!secret) throw notFound('secret');
  const value = decryptSecret(loadServerKeys().encryptionKey, secret.ciphertext, teamId);
  rememberSecret(value);
  return value;
}

/** A redactor holding every secret of a team, for what leaves the server about it (exports). */
export async function teamSecretRedactor(db: Db, teamId: string): Promise<SecretRedactor> {
  const redactor = new SecretRedactor();
  const key = loadServerKeys().encryptionKey;
  for (const secret of await db.secret.findMany({ where: { teamId }, select: { ciphertext: true } }))
    redactor.add(decryptSecret(key, secret.ciphertext, teamId));
  return redactor;
}
