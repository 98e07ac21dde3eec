import type { Db } from '../db/client';
import { forbidden, notFound } from '../errors';
import type { Actor } from './actor';
import { hasRole, type Role } from '../../shared/roles';

export interface TeamAccess {
  team: { id: string; slug: string; name: string };
  role: Role;
}

/**
 * Resolves a team by slug for an actor and checks the role it needs. A team
 * the actor is not a member of is "not found" rather than "forbidden", so
 * nobody can probe which teams exist.
 */
export async function requireTeamRole(db: Db, actor: Actor, teamSlug: string, needed: Role): Promise<TeamAccess> {
  const membership = await db.membership.findFirst({
    where: { userId: actor.userId, team: { slug: teamSlug } },
    select: { role: true, team: { select: { id: true, slug: true, name: true } } },
  });
  if (!membership || (actor.tokenTeamId && actor.tokenTeamId !== membership.team.id)) throw notFound('team');
  if (!hasRole(membership.role, needed)) {
    throw forbidden(`this needs the ${needed} role in team ${teamSlug}; you are ${membership.role}`);
  }
  return { team: membership.team, role: membership.role };
}
