import path from 'node:path';
import type { Actor } from '../access/actor';
import { requireTeamRole } from '../access/team-access';
import type { Db } from '../db/client';
import { conflict } from '../errors';
import { createPlatform, getPlatform, type PlatformInfo } from '../platforms/platforms';
import { getRepo, type RepoInfo } from '../repos/repos';
import { exampleImage } from '../config';

/**
 * The repository URL of the example suite shipped with the app. It names no
 * path: it can only mean the app's own `example/` folder, which is read
 * (uploaded to the test systems), never written. Repository forms refuse it
 * (it is no git URL), so only `createExample` stores it.
 */
export const exampleRepoUrl = 'testyard://example';
export const examplePlan = '/plans/example';
const exampleName = 'example';

/** The example's folder when `url` is the example's URL; null for any other URL. */
export function builtinTreePath(url: string): string | null {
  // Not under lib/: resolved from the working directory the app runs in, which bundling cannot move.
  return url === exampleRepoUrl ? path.resolve(/*turbopackIgnore: true*/ process.cwd(), 'example') : null;
}

export interface Example {
  repo: RepoInfo;
  platform: PlatformInfo;
  plan: string;
}

/**
 * Adds the example repository and a container platform for it to a team
 * (admin), or finds the ones added before: one click, then a first run.
 * The platform's image is TESTYARD_EXAMPLE_IMAGE (default: Fedora's).
 */
export async function createExample(db: Db, actor: Actor, teamSlug: string): Promise<Example> {
  const { team } = await requireTeamRole(db, actor, teamSlug, 'admin');
  const repoId =
    (await db.testRepo.findFirst({ where: { teamId: team.id, url: exampleRepoUrl }, select: { id: true } }))?.id ??
    (await createExampleRepo(db, team.id));
  const existing = await db.platform.findUnique({ where: { teamId_name: { teamId: team.id, name: exampleName } }, select: { id: true, kind: true } });
  if (existing && existing.kind !== 'container') throw conflict(`a platform named ${exampleName} already exists in this team and is no container platform`);
  const platform = existing
    ? await getPlatform(db, actor, teamSlug, existing.id)
    : await createPlatform(db, actor, teamSlug, { name: exampleName, config: { kind: 'container', image: exampleImage() }, maxRemotes: 2 });
  return { repo: await getRepo(db, actor, teamSlug, repoId), platform, plan: examplePlan };
}

async function createExampleRepo(db: Db, teamId: string): Promise<string> {
  if (await db.testRepo.findUnique({ where: { teamId_name: { teamId, name: exampleName } } })) {
    throw conflict(`a repository named ${exampleName} already exists in this team`);
  }
  const repo = await db.testRepo.create({ data: { teamId, name: exampleName, url: exampleRepoUrl }, select: { id: true } });
  return repo.id;
}

