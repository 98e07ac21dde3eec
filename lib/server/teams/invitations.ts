import { z } from 'zod';
import type { Actor } from '../access/actor';
import { requireTeamRole } from '../access/team-access';
import { roles, type Role } from '../../shared/roles';
import type { Db } from '../db/client';
import { conflict, forbidden, invalid, notFound } from '../errors';
import { hashSecretToken, newSecretToken } from '../tokens/secret-token';
import { parseInput } from '../validation';

const inviteInput = z.object({ email: z.email().max(320), role: z.enum(roles).default('member') });
const invitationLifetimeMs = 7 * 24 * 3600 * 1000;

export interface InvitationInfo {
  id: string;
  email: string;
  role: Role;
  expiresAt: Date;
}

/** Creates an invitation and returns the secret part of its link; mailing it is up to the inviter. */
export async function inviteMember(db: Db, actor: Actor, teamSlug: string, input: unknown): Promise<InvitationInfo & { token: string }> {
  const access = await requireTeamRole(db, actor, teamSlug, 'admin');
  const { email, role } = parseInput(inviteInput, input, 'invitation');
  if (role === 'owner' && access.role !== 'owner') throw forbidden('only an owner can invite an owner');
  const existing = await db.membership.findFirst({ where: { teamId: access.team.id, user: { email } } });
  if (existing) throw conflict(`${email} is already a member`);
  const { token, hash } = newSecretToken('tyi');
  const invitation = await db.invitation.create({
    data: {
      teamId: access.team.id,
      email,
      role,
      tokenHash: hash,
      invitedById: actor.userId,
      expiresAt: new Date(Date.now() + invitationLifetimeMs),
    },
  });
  return { id: invitation.id, email, role, expiresAt: invitation.expiresAt, token };
}

export async function listInvitations(db: Db, actor: Actor, teamSlug: string): Promise<InvitationInfo[]> {
  const { team } = await requireTeamRole(db, actor, teamSlug, 'admin');
  return db.invitation.findMany({
    where: { teamId: team.id, acceptedAt: null, expiresAt: { gt: new Date() } },
    select: { id: true, email: true, role: true, expiresAt: true },
    orderBy: { createdAt: 'desc' },
  });
}

export async function revokeInvitation(db: Db, actor: Actor, teamSlug: string, invitationId: string): Promise<void> {
  const { team } = await requireTeamRole(db, actor, teamSlug, 'admin');
  const { count } = await db.invitation.deleteMany({ where: { id: invitationId, teamId: team.id, acceptedAt: null } });
  if (count === 0) throw notFound('invitation');
}

/** What the invitation page shows before the invitee accepts. */
export async function describeInvitation(db: Db, token: string) {
  const invitation = await findOpenInvitation(db, token);
  return { teamName: invitation.team.name, teamSlug: invitation.team.slug, email: invitation.email, role: invitation.role };
}

/** The link is the credential; it works once, for the signed-in user whose email it names. */
export async function acceptInvitation(db: Db, actor: Actor, token: string): Promise<{ teamSlug: string; role: Role }> {
  if (actor.tokenTeamId) throw forbidden('sign in to accept an invitation');
  const invitation = await findOpenInvitation(db, token);
  const user = await db.user.findUniqueOrThrow({ where: { id: actor.userId } });
  if (user.email.toLowerCase() !== invitation.email.toLowerCase()) {
    throw forbidden(`this invitation is for ${invitation.email}; you are signed in as ${user.email}`);
  }
  // The address is what the invitation trusts: only someone who proved they read its mail gets in.
  if (!user.emailVerified) throw forbidden(`confirm ${user.email} first (the link in the mail we sent), then accept the invitation`);
  // Claiming the invitation and joining are one step: the same link accepted twice at once joins once.
  const joined = await db.$transaction(async (tx) => {
    const { count } = await tx.invitation.updateMany({ where: { id: invitation.id, acceptedAt: null }, data: { acceptedAt: new Date() } });
    if (count === 0) return false;
    await tx.membership.createMany({
      data: [{ teamId: invitation.teamId, userId: actor.userId, role: invitation.role }],
      skipDuplicates: true,
    });
    return true;
  });
  if (!joined) throw notFound('invitation (it may have been used, revoked or expired)');
  return { teamSlug: invitation.team.slug, role: invitation.role };
}

async function findOpenInvitation(db: Db, token: string) {
  if (!/^tyi_[\w-]{20,}$/.test(token)) throw invalid('this is not an invitation link');
  const invitation = await db.invitation.findUnique({ where: { tokenHash: hashSecretToken(token) }, include: { team: true } });
  if (!invitation || invitation.acceptedAt || invitation.expiresAt < new Date()) {
    throw notFound('invitation (it may have been used, revoked or expired)');
  }
  return invitation;
}
