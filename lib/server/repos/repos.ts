import { z } from 'zod';
import type { Actor } from '../access/actor';
import { requireTeamRole } from '../access/team-access';
import type { Db } from '../db/client';
import { conflict, invalid, notFound } from '../errors';
import { operatorPolicy } from '../security/operator-policy';
import { RepositorySourceRefused } from '../../engine/network/repository-sources';
import { parseInput } from '../validation';

const gitUrl = z.string().trim().min(1).max(2000);

const repoFields = {
  name: z
    .string()
    .trim()
    .min(1)
    .max(100)
    .regex(/^[\w.-]+$/, 'use letters, digits, ".", "_" and "-"'),
  url: gitUrl.nullable(),
  ref: z.string().trim().min(1).max(250).nullable(),
  /** A folder on the worker hosts, under a root the operator allows; for trees that are not in git. */
  path: z.string().trim().startsWith('/', 'must be an absolute path').max(4096).nullable(),
};
const repoInput = z.object({
  ...repoFields,
  url: repoFields.url.default(null),
  ref: repoFields.ref.default(null),
  path: repoFields.path.default(null),
});
// No defaults here: a field left out of an update keeps its value.
const repoUpdate = z.object(repoFields).partial();

export interface RepoInfo {
  id: string;
  name: string;
  url: string | null;
  ref: string | null;
  path: string | null;
  createdAt: Date;
  updatedAt: Date;
}

const publicFields = { id: true, name: true, url: true, ref: true, path: true, createdAt: true, updatedAt: true } as const;

export async function listRepos(db: Db, actor: Actor, teamSlug: string): Promise<RepoInfo[]> {
  const { team } = await requireTeamRole(db, actor, teamSlug, 'viewer');
  return db.testRepo.findMany({ where: { teamId: team.id }, select: publicFields, orderBy: { name: 'asc' } });
}

export async function getRepo(db: Db, actor: Actor, teamSlug: string, id: string): Promise<RepoInfo> {
  const { team } = await requireTeamRole(db, actor, teamSlug, 'viewer');
  return findRepo(db, team.id, id);
}

export async function createRepo(db: Db, actor: Actor, teamSlug: string, input: unknown): Promise<RepoInfo> {
  const { team } = await requireTeamRole(db, actor, teamSlug, 'admin');
  const data = parseInput(repoInput, input, 'repository');
  await checkSource(data);
  if (await db.testRepo.findUnique({ where: { teamId_name: { teamId: team.id, name: data.name } } })) {
    throw conflict(`a repository named ${data.name} already exists in this team`);
  }
  return db.testRepo.create({ data: { ...data, teamId: team.id }, select: publicFields });
}

export async function updateRepo(db: Db, actor: Actor, teamSlug: string, id: string, input: unknown): Promise<RepoInfo> {
  const { team } = await requireTeamRole(db, actor, teamSlug, 'admin');
  const current = await findRepo(db, team.id, id);
  const changes = parseInput(repoUpdate, input, 'repository');
  await checkSource({ ...current, ...changes });
  if (
    changes.name &&
    changes.name !== current.name &&
    (await db.testRepo.findUnique({ where: { teamId_name: { teamId: team.id, name: changes.name } } }))
  ) {
    throw conflict(`a repository named ${changes.name} already exists in this team`);
  }
  return db.testRepo.update({ where: { id }, data: changes, select: publicFields });
}

export async function deleteRepo(db: Db, actor: Actor, teamSlug: string, id: string): Promise<void> {
  const { team } = await requireTeamRole(db, actor, teamSlug, 'admin');
  const { count } = await db.testRepo.deleteMany({ where: { id, teamId: team.id } });
  if (count === 0) throw notFound('repository');
}

async function findRepo(db: Db, teamId: string, id: string): Promise<RepoInfo> {
  const repo = await db.testRepo.findFirst({ where: { id, teamId }, select: publicFields });
  if (!repo) throw notFound('repository');
  return repo;
}

/** One source, and one the operator's policy allows (checked again whenever it is fetched or read). */
async function checkSource(repo: { url: string | null; path: string | null }): Promise<void> {
  if (!repo.url === !repo.path) {
    throw invalid('a repository has either a git url or a server-side path', [
      { path: repo.url ? 'path' : 'url', message: repo.url ? 'give url or path, not both' : 'give url or path' },
    ]);
  }
  await checkRepositorySource(repo.url ? { url: repo.url } : { path: repo.path! });
}

/** A 400 naming the field when the operator's policy refuses a repository URL or folder. */
export async function checkRepositorySource(
  source: { url: string } | { path: string },
  field = 'url' in source ? 'url' : 'path',
): Promise<void> {
  const { sources } = operatorPolicy();
  try {
    if ('url' in source) {
      const location = sources.describe(source.url);
      if (location.kind === 'local') await sources.localFolder(location.path);
    } else await sources.localFolder(source.path);
  } catch (error) {
    if (!(error instanceof RepositorySourceRefused)) throw error;
    throw invalid(`this repository is not allowed: ${error.message}`, [{ path: field, message: error.message }]);
  }
}
