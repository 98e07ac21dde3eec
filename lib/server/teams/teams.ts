import { z } from 'zod';
import type { Actor } from '../access/actor';
import { requireTeamRole } from '../access/team-access';
import type { Role } from '../../shared/roles';
import type { Db } from '../db/client';
import { conflict, forbidden } from '../errors';
import { announceMembershipChange } from '../live/membership';
import { parseInput } from '../validation';

const slugPattern = /^[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?$/;

const teamName = z.string().trim().min(1).max(80);
const createTeamInput = z.object({
  name: teamName,
  slug: z.string().regex(slugPattern, 'use 1-40 lowercase letters, digits and inner dashes').optional(),
});
const renameTeamInput = z.object({ name: teamName });

export interface TeamSummary {
  id: string;
  slug: string;
  name: string;
  role: Role;
}

export async function listMyTeams(db: Db, actor: Actor): Promise<TeamSummary[]> {
  const memberships = await db.membership.findMany({
    where: { userId: actor.userId, ...(actor.tokenTeamId ? { teamId: actor.tokenTeamId } : {}) },
    select: { role: true, team: { select: { id: true, slug: true, name: true } } },
    orderBy: { team: { name: 'asc' } },
  });
  return memberships.map(({ role, team }) => ({ ...team, role }));
}

/** Anyone signed in can create a team and becomes its owner. */
export async function createTeam(db: Db, actor: Actor, input: unknown): Promise<TeamSummary> {
  if (actor.tokenTeamId) throw forbidden('API tokens act within one team and cannot create teams');
  const { name, slug: wanted } = parseInput(createTeamInput, input, 'team');
  const slug = wanted ?? (await freeSlug(db, slugify(name)));
  if (wanted && (await db.team.findUnique({ where: { slug } }))) throw conflict(`the team slug ${slug} is taken`);
  const team = await db.team.create({
    data: { name, slug, memberships: { create: { userId: actor.userId, role: 'owner' } } },
    select: { id: true, slug: true, name: true },
  });
  return { ...team, role: 'owner' };
}

export async function renameTeam(db: Db, actor: Actor, teamSlug: string, input: unknown): Promise<TeamSummary> {
  const { team, role } = await requireTeamRole(db, actor, teamSlug, 'admin');
  const { name } = parseInput(renameTeamInput, input, 'team');
  const updated = await db.team.update({ where: { id: team.id }, data: { name }, select: { id: true, slug: true, name: true } });
  return { ...updated, role };
}

export async function deleteTeam(db: Db, actor: Actor, teamSlug: string): Promise<void> {
  const { team } = await requireTeamRole(db, actor, teamSlug, 'owner');
  const members = await db.membership.findMany({ where: { teamId: team.id }, select: { userId: true } });
  await db.team.delete({ where: { id: team.id } });
  for (const { userId } of members) announceMembershipChange({ teamId: team.id, userId });
}

function slugify(name: string): string {
  const slug = name
    .toLowerCase()
    .normalize('NFKD')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 32)
    .replace(/-+$/, '');
  return slug || 'team';
}

async function freeSlug(db: Db, base: string): Promise<string> {
  const taken = new Set(
    (await db.team.findMany({ where: { slug: { startsWith: base } }, select: { slug: true } })).map((team) => team.slug),
  );
  if (!taken.has(base)) return base;
  for (let n = 2; ; n++) if (!taken.has(`${base}-${n}`)) return `${base}-${n}`;
}
