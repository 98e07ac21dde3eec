import { z } from 'zod';
import type { Actor } from '../access/actor';
import { requireTeamRole } from '../access/team-access';
import { hasRole, roles, type Role } from '../../shared/roles';
import type { Db, Transaction } from '../db/client';
import { conflict, forbidden, notFound } from '../errors';
import { announceMembershipChange } from '../live/membership';
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
  const { team } = await requireTeamRole(db, actor, teamSlug, 'admin');
  const { role } = parseInput(changeRoleInput, input, 'role change');
  const updated = await lockedTeam(db, team.id, actor, async (tx, actorRole) => {
    const target = await findMembership(tx, team.id, userId);
    if ((role === 'owner' || target.role === 'owner') && actorRole !== 'owner') {
      throw forbidden('only an owner can grant or take away the owner role');
    }
    if (target.role === 'owner' && role !== 'owner') await assertAnotherOwner(tx, team.id);
    return tx.membership.update({
      where: { teamId_userId: { teamId: team.id, userId } },
      data: { role },
      select: { role: true, createdAt: true, user: { select: { id: true, name: true, email: true } } },
    });
  });
  announceMembershipChange({ teamId: team.id, userId });
  return { userId, name: updated.user.name, email: updated.user.email, role: updated.role, since: updated.createdAt };
}

export async function removeMember(db: Db, actor: Actor, teamSlug: string, userId: string): Promise<void> {
  const { team } = await requireTeamRole(db, actor, teamSlug, 'admin');
  await lockedTeam(db, team.id, actor, async (tx, actorRole) => {
    const target = await findMembership(tx, team.id, userId);
    if (target.role === 'owner') {
      if (actorRole !== 'owner') throw forbidden('only an owner can remove an owner');
      await assertAnotherOwner(tx, team.id);
    }
    await tx.membership.delete({ where: { teamId_userId: { teamId: team.id, userId } } });
  });
  // Their open pages stop receiving the team's live events now, not at their next reload.
  announceMembershipChange({ teamId: team.id, userId });
}

/**
 * Runs `change` holding the team's row lock, with the actor's role as it is
 * now: rules that span rows (a team keeps an owner) hold when two owners act
 * at the same moment.
 */
async function lockedTeam<T>(db: Db, teamId: string, actor: Actor, change: (tx: Transaction, actorRole: Role) => Promise<T>): Promise<T> {
  return db.$transaction(async (tx) => {
    await tx.$queryRaw`SELECT 1 FROM "Team" WHERE "id" = ${teamId} FOR UPDATE`;
    const own = await tx.membership.findUnique({ where: { teamId_userId: { teamId, userId: actor.userId } }, select: { role: true } });
    if (!own || !hasRole(own.role, 'admin')) throw forbidden('your role in this team changed meanwhile: reload and try again');
    return change(tx, own.role);
  });
}

async function findMembership(db: Db | Transaction, teamId: string, userId: string) {
  const membership = await db.membership.findUnique({ where: { teamId_userId: { teamId, userId } } });
  if (!membership) throw notFound('member');
  return membership;
}

async function assertAnotherOwner(db: Db | Transaction, teamId: string): Promise<void> {
  const owners = await db.membership.count({ where: { teamId, role: 'owner' } });
  if (owners < 2) throw conflict('a team needs at least one owner: make someone else owner first');
}
