import { z } from 'zod';
import type { Actor } from '../access/actor';
import { requireTeamRole } from '../access/team-access';
import type { Db } from '../db/client';
import { invalid } from '../errors';
import type PgBoss from 'pg-boss';
import { openRepoTree, requireOnePlan } from '../repos/discovery';
import { environmentVariables, fmfContext, provisionerConfig } from '../platforms/spec';
import { parseInput, pythonRegex } from '../validation';
import { recordRunEvent, type LiveBroadcaster } from './events';
import { newJobsChannel, queueRunPlatform } from './job-queue';
import { runSettings, type RunSettings } from './settings';

const runInput = z
  .object({
    repoId: z.string().min(1).max(100).optional(),
    url: z.string().trim().min(1).max(2000).optional(),
    ref: z.string().trim().min(1).max(250).optional(),
    plan: z.string().trim().min(1).max(500),
    platforms: z.array(z.string().min(1).max(100)).min(1, 'pick at least one platform').max(100),
    filters: z
      .object({ names: z.array(pythonRegex).max(100).default([]), excludes: z.array(pythonRegex).max(100).default([]) })
      .default({ names: [], excludes: [] }),
    context: fmfContext.default({}),
    reruns: z.number().int().min(0).max(20).default(2),
    maxRemotes: z.number().int().min(1).max(1000).optional(),
    environment: environmentVariables.default({}),
  })
  .superRefine((input, context) => {
    if (!input.repoId === !input.url)
      context.addIssue({ code: 'custom', path: [input.repoId ? 'url' : 'repoId'], message: 'give a repository id or a url, not both' });
    if (input.ref && !input.url)
      context.addIssue({ code: 'custom', path: ['ref'], message: 'a ref goes with a url; a stored repository has its own' });
  });

export interface CreatedRun {
  id: string;
  number: number;
  commit: string | null;
  platforms: { id: string; name: string }[];
}

export interface RunServices {
  jobQueue: Promise<PgBoss>;
  live?: LiveBroadcaster;
}

/**
 * Starts a run (member): pins the repository's commit, snapshots each
 * platform, and queues one job per platform.
 */
export async function createRun(db: Db, actor: Actor, teamSlug: string, input: unknown, services: RunServices): Promise<CreatedRun> {
  const { team } = await requireTeamRole(db, actor, teamSlug, 'member');
  const data = parseInput(runInput, input, 'run');
  const platforms = await db.platform.findMany({ where: { teamId: team.id, id: { in: data.platforms } } });
  const missing = data.platforms.findIndex((id) => !platforms.some((platform) => platform.id === id));
  if (missing >= 0) throw invalid('unknown platform', [{ path: `platforms.${missing}`, message: 'no such platform in this team' }]);
  const source = await resolveSource(db, team.id, data);
  await requireOnePlan(source.tree, data.plan, data.context);

  const settings: RunSettings = runSettings.parse({
    reruns: data.reruns,
    maxRemotes: data.maxRemotes,
    context: data.context,
    environment: data.environment,
  });
  const run = await db.$transaction(async (tx) => {
    // Numbers are per team and permanent (they are in URLs): serialise their allocation per team.
    await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext(${`run-number:${team.id}`}))`;
    const last = await tx.run.aggregate({ where: { teamId: team.id }, _max: { number: true } });
    return tx.run.create({
      data: {
        teamId: team.id,
        number: (last._max.number ?? 0) + 1,
        repoId: source.repoId,
        repoUrl: source.url,
        ref: source.ref,
        commit: source.commit,
        plan: data.plan,
        filters: data.filters,
        settings,
        createdById: actor.userId,
        platforms: {
          create: platforms.map((platform) => ({
            platformId: platform.id,
            name: platform.name,
            spec: {
              kind: platform.kind,
              config: platform.config ?? {},
              context: platform.context ?? {},
              maxRemotes: platform.maxRemotes,
              maxSpares: platform.maxSpares,
              secretId: platform.secretId,
            },
          })),
        },
      },
      select: { id: true, number: true, commit: true, platforms: { select: { id: true, name: true, platformId: true } } },
    });
  });
  await recordRunEvent(db, run.id, { type: 'run.queued' }, services.live);
  const boss = await services.jobQueue;
  for (const { id, platformId } of run.platforms) {
    const platform = platforms.find((candidate) => candidate.id === platformId)!;
    await queueRunPlatform(db, boss, { id, kind: provisionerConfig.parse(platform.config).kind });
  }
  await db.$executeRaw`SELECT pg_notify(${newJobsChannel}, '')`;
  return { ...run, platforms: run.platforms.map(({ id, name }) => ({ id, name })) };
}

interface ResolvedSource {
  repoId: string | null;
  url: string | null;
  ref: string | null;
  commit: string | null;
  tree: Awaited<ReturnType<typeof openRepoTree>>;
}

/** The run's repository, fetched now so the run records the commit it will test. */
async function resolveSource(db: Db, teamId: string, data: { repoId?: string; url?: string; ref?: string }): Promise<ResolvedSource> {
  let repo: { id: string | null; url: string | null; ref: string | null; path: string | null };
  if (data.repoId) {
    const stored = await db.testRepo.findFirst({
      where: { id: data.repoId, teamId },
      select: { id: true, url: true, ref: true, path: true },
    });
    if (!stored) throw invalid('unknown repository', [{ path: 'repoId', message: 'no such repository in this team' }]);
    repo = stored;
  } else {
    repo = { id: null, url: data.url ?? null, ref: data.ref ?? null, path: null };
  }
  const tree = await openRepoTree(repo, data.repoId ? 'repoId' : 'url');
  return { repoId: repo.id, url: repo.url, ref: repo.url ? repo.ref : null, commit: tree.commit, tree };
}
