import { headers } from 'next/headers';
import { notFound, redirect } from 'next/navigation';
import type { Actor } from '@/lib/server/access/actor';
import { requireTeamRole, type TeamAccess } from '@/lib/server/access/team-access';
import { actorFromHeaders } from '@/lib/server/auth/actor';
import { db } from '@/lib/server/db/client';
import { AppError } from '@/lib/server/errors';

export async function currentActor(): Promise<Actor | null> {
  return actorFromHeaders(await headers());
}

/** For pages that need a signed-in user: everyone else goes to the sign-in page. */
export async function requireActor(): Promise<Actor> {
  const actor = await currentActor();
  if (!actor) redirect('/sign-in');
  return actor;
}

/** For team pages: a team the visitor is not in does not exist for them. */
export async function requireTeamPage(slug: string): Promise<TeamAccess & { actor: Actor }> {
  const actor = await requireActor();
  try {
    return { ...(await requireTeamRole(db(), actor, slug, 'viewer')), actor };
  } catch (error) {
    if (error instanceof AppError && error.code === 'not-found') notFound();
    throw error;
  }
}
