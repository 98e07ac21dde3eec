import { z } from 'zod';
import type { Actor } from '../access/actor';
import { requireTeamRole } from '../access/team-access';
import { roles, type Role } from '../access/roles';
import type { Db } from '../db/client';
import { conflict, forbidden, notFound } from '../errors';
import { parseInput } from '../validation';

export interface Member {
  userId: string;
  name: string;
  email: string;
  role: Role;
  since: Date;
}

const changeRoleInput = z.object({ role: z.enum(roles) });

export async function listMembers(db: Db, actor: Actor, teamSlug: string): Promise<Member[]> {
  const { team } = await requireTeamRole(db, actor, teamSlug, 'viewer');
  const memberships = await db.membership.findMany({
    where: { teamId: team.id },
    select: { role: true, createdAt: true, user: { select: { id: true, name: true, email: true } } },
    orderBy: { createdAt: 'asc' },
  });
  return memberships.map(({ role, createdAt, user }) => ({ userId: user.id, name: user.name, email: user.email, role, since: createdAt }));
}

/** Admins manage members; only owners grant, take away, or touch the owner role. */
export async function changeMemberRole(db: Db, actor: Actor, teamSlug: string, userId: string, input: unknown): Promise<Member> {
  const access = await requireTeamRole(db, actor, teamSlug, 'admin');
  const { role } = parseInput(changeRoleInput, input, 'role change');
  const target = await findMembership(db, access.team.id, userId);
  if ((role === 'owner' || target.role === 'owner') && access.role !== 'owner') {
    throw forbidden('only an owner can grant or take away the owner role');
  }
  if (target.role === 'owner' && role !== 'owner') await assertAnotherOwner(db, access.team.id);
  const updated = await db.membership.update({
    where: { teamId_userId: { teamId: access.team.id, userId } },
    data: { role },
    select: { role: true, createdAt: true, user: { select: { id: true, name: true, email: true } } },
  });
  return { userId, name: updated.user.name, email: updated.user.email, role: updated.role, since: updated.createdAt };
}

export async function removeMember(db: Db, actor: Actor, teamSlug: string, userId: string): Promise<void> {
  const access = await requireTeamRole(db, actor, teamSlug, 'admin');
  const target = await findMembership(db, access.team.id, userId);
  if (target.role === 'owner') {
    if (access.role !== 'owner') throw forbidden('only an owner can remove an owner');
    await assertAnotherOwner(db, access.team.id);
  }
  await db.membership.delete({ where: { teamId_userId: { teamId: access.team.id, userId } } });
}

async function findMembership(db: Db, teamId: string, userId: string) {
  const membership = await db.membership.findUnique({ where: { teamId_userId: { teamId, userId } } });
  if (!membership) throw notFound('member');
  return membership;
}

async function assertAnotherOwner(db: Db, teamId: string): Promise<void> {
  const owners = await db.membership.count({ where: { teamId, role: 'owner' } });
  if (owners < 2) throw conflict('a team needs at least one owner: make someone else owner first');
}
