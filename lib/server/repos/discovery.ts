import path from 'node:path';
import { z } from 'zod';
import type { Actor } from '../access/actor';
import { requireTeamRole } from '../access/team-access';
import type { Db } from '../db/client';
import { builtinTreePath } from '../example/example';
import type { FieldIssue } from '../../shared/field-issue';
import { invalid, notFound } from '../errors';
import {
  discoverTests,
  FmfError,
  fetchTestRepository,
  loadAdjustedTree,
  loadLocalTree,
  pyStr,
  toJson,
  type ContextDimensions,
  type DiscoveredTest,
  type FmfMapping,
  type FmfValue,
} from '../../engine/fmf';
import { fmfContext } from '../platforms/spec';
import { operatorPolicy } from '../security/operator-policy';
import { parseInput, pythonRegex } from '../validation';
import { parsePairs } from '../../shared/context-pairs';
import { TimedCache } from './timed-cache';
import { messageOf } from '../../shared/errors';

/** A checked-out tree to read: a fetched commit, or a server-side folder (no commit). */
interface RepoTree {
  treePath: string;
  commit: string | null;
}

export interface PlanSummary {
  name: string;
  summary: string | null;
}

export interface TestSummary {
  name: string;
  summary: string | null;
  duration: string;
  tags: string[];
  require: string[];
  /** Every resolved metadata key, as JSON. */
  metadata: unknown;
}

export interface RepoMetadata {
  commit: string | null;
  plans: PlanSummary[];
  tests: TestSummary[];
}

export interface DiscoveryPreview {
  commit: string | null;
  /** Tests the plan selects with the run's context alone. */
  count: number;
  /** The first tests, in execution order (at most `previewLimit`). */
  tests: { name: string; duration: string }[];
  /** Per picked platform: the count with that platform's context under the run's. */
  platforms: { id: string; name: string; count: number }[];
}

const previewLimit = 200;
// A ref is re-resolved (one `git fetch`) at most this often, so typing in the new-run form does not fetch on every key.
const refTtlMs = 30_000;
const resolvedRefs = new TimedCache<RepoTree>(refTtlMs, 200);
// A commit's checkout never changes, so what was discovered in it can be kept for as long as it is in the cache.
const discoveries = new TimedCache<DiscoveredTest[]>(Number.POSITIVE_INFINITY, 500);

export const previewInput = z.object({
  repoId: z.string().min(1),
  /** Overrides a git repository's ref (a branch, tag or commit). */
  ref: z.string().trim().min(1).max(250).optional(),
  plan: z.string().trim().min(1).max(500),
  names: z.array(pythonRegex).max(100).default([]),
  excludes: z.array(pythonRegex).max(100).default([]),
  context: fmfContext.default({}),
  platforms: z.array(z.string().min(1)).max(100).default([]),
});

const metadataQuery = z.object({
  ref: z.string().trim().min(1).max(250).optional(),
  /** "KEY=VALUE" items, e.g. from repeated `context` query parameters. */
  context: z.array(z.string()).max(100).default([]),
});

/** Every plan and test of a repository (viewer), with metadata adjusted for `context`. */
export async function readRepoMetadata(db: Db, actor: Actor, teamSlug: string, repoId: string, query: unknown): Promise<RepoMetadata> {
  const { team } = await requireTeamRole(db, actor, teamSlug, 'viewer');
  const { ref, context: pairs } = parseInput(metadataQuery, query, 'query');
  const { values, issues } = parsePairs(pairs, 'context');
  if (issues.length) throw invalid('invalid fmf context', issues);
  const context = parseInput(fmfContext, values, 'fmf context');
  const repo = await checkoutRepo(db, team.id, repoId, ref);
  return explain(repo, ['repo'], async () => {
    const tree = loadAdjustedTree(repo.treePath, context);
    const plans = tree.rootNode
      .climb()
      .filter((node) => 'execute' in node.data || 'discover' in node.data)
      .map((node) => ({ name: node.name, summary: stringOrNull(node.data.summary) }));
    const found = await discoverTests(repo.treePath, { context, libraries: false, access: operatorPolicy().sources });
    return { commit: repo.commit, plans, tests: found.tests.map(summarise) };
  });
}

/** What a run would execute (viewer): the count and first tests, overall and per platform. */
export async function previewDiscovery(db: Db, actor: Actor, teamSlug: string, input: unknown): Promise<DiscoveryPreview> {
  const { team } = await requireTeamRole(db, actor, teamSlug, 'viewer');
  const data = parseInput(previewInput, input, 'preview');
  const platforms = await db.platform.findMany({
    where: { teamId: team.id, id: { in: data.platforms } },
    select: { id: true, name: true, context: true },
  });
  const missing = data.platforms.findIndex((id) => !platforms.some((platform) => platform.id === id));
  if (missing >= 0) throw invalid('unknown platform', [{ path: `platforms.${missing}`, message: 'no such platform in this team' }]);
  const repo = await checkoutRepo(db, team.id, data.repoId, data.ref);
  await requireOnePlan(repo, data.plan, data.context);
  const select = (context: ContextDimensions) => discover(repo, { plan: data.plan, names: data.names, excludes: data.excludes, context });
  return explain(repo, ['plan'], async () => {
    const tests = await select(data.context);
    const perPlatform = await Promise.all(
      // In the order they were asked for.
      data.platforms
        .map((id) => platforms.find((platform) => platform.id === id)!)
        .map(async (platform) => {
          // As in a run: the run's context is added to, and overrides, the platform's.
          const context = { ...fmfContext.parse(platform.context), ...data.context };
          return { id: platform.id, name: platform.name, count: (await select(context)).length };
        }),
    );
    return {
      commit: repo.commit,
      count: tests.length,
      tests: tests.slice(0, previewLimit).map((test) => ({ name: test.name, duration: test.runtime.duration })),
      platforms: perPlatform,
    };
  });
}

async function discover(
  repo: RepoTree,
  options: { plan: string; names: string[]; excludes: string[]; context: ContextDimensions },
): Promise<DiscoveredTest[]> {
  const run = () =>
    discoverTests(repo.treePath, { ...options, libraries: false, access: operatorPolicy().sources }).then((found) => found.tests);
  // A server-side folder may change at any time: read it afresh.
  if (!repo.commit) return run();
  return discoveries.getOrCreate(JSON.stringify([repo.treePath, options]), run);
}

/** The repository's tree at `ref` (default: the stored ref), fetched into the cache when it is in git. */
async function checkoutRepo(db: Db, teamId: string, repoId: string, refOverride: string | undefined): Promise<RepoTree> {
  const repo = await db.testRepo.findFirst({ where: { id: repoId, teamId }, select: { url: true, ref: true, path: true } });
  if (!repo) throw notFound('repository');
  if (!repo.url) {
    if (refOverride) throw invalid('a server-side folder has no refs', [{ path: 'ref', message: 'only git repositories have refs' }]);
    return openRepoTree({ url: null, ref: null, path: repo.path }, 'repoId');
  }
  const source = { url: repo.url, ref: refOverride ?? repo.ref, path: null };
  return resolvedRefs.getOrCreate(JSON.stringify([source.url, source.ref]), () => openRepoTree(source, refOverride ? 'ref' : 'repoId'));
}

/**
 * A repository source's tree, through the operator's policy: the built-in
 * example, a git URL fetched now at `ref`, or a local folder under an
 * allowed root. Failures are a 400 at `issuePath`, without server paths.
 */
export async function openRepoTree(
  source: { url: string | null; ref: string | null; path: string | null },
  issuePath: string,
): Promise<RepoTree> {
  const builtin = source.url ? builtinTreePath(source.url) : null;
  if (builtin) {
    if (source.ref) throw invalid('the built-in example has no refs', [{ path: 'ref', message: 'only git repositories have refs' }]);
    return { treePath: builtin, commit: null };
  }
  const { sources } = operatorPolicy();
  const where = source.url ? `${source.url}${source.ref ? ` at ${source.ref}` : ''}` : (source.path ?? '');
  try {
    if (source.url) return await fetchTestRepository({ url: source.url, ...(source.ref ? { ref: source.ref } : {}) }, undefined, sources);
    const tree = await loadLocalTree(source.path ?? '', sources);
    return { treePath: tree.root, commit: null };
  } catch (error) {
    throw invalid(`cannot ${source.url ? 'fetch' : 'read'} ${where}: ${messageOf(error)}`, [
      { path: issuePath, message: messageOf(error) },
    ]);
  }
}

/**
 * Refuses a plan name that does not pick exactly one plan (none, or a
 * parent of several), naming the plans it could have meant.
 */
export async function requireOnePlan(repo: RepoTree, plan: string, context: ContextDimensions): Promise<void> {
  const problem = await explain(repo, ['plan'], async () => {
    const tree = loadAdjustedTree(repo.treePath, context);
    const node = tree.rootNode.find(plan);
    if (node && node.children.size === 0 && !('test' in node.data)) return null;
    const plans = tree.rootNode
      .climb()
      .filter((candidate) => 'execute' in candidate.data || 'discover' in candidate.data)
      .map((candidate) => candidate.name);
    const under = plans.filter((name) => name.startsWith(`${node?.name ?? plan}/`));
    const named = (names: string[]) =>
      names.length ? names.slice(0, 20).join(', ') + (names.length > 20 ? `, and ${names.length - 20} more` : '') : 'none';
    if (!node) return `no plan ${plan} in the repository; its plans: ${named(plans)}`;
    if ('test' in node.data) return `${plan} is a test, not a plan; the repository's plans: ${named(plans)}`;
    return `${plan} matches several plans, pick one: ${named(under)}`;
  });
  if (problem) throw invalid(problem, [{ path: 'plan', message: problem }]);
}

/** Turns fmf failures (bad YAML, unknown plan, bad rules) into a 400 naming the file and line, relative to the tree. */
async function explain<T>(repo: RepoTree, issuePath: string[], work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (!(error instanceof FmfError)) throw error;
    const message = error.message
      .split(repo.treePath + path.sep)
      .join('')
      .split(repo.treePath)
      .join('.');
    const issues: FieldIssue[] = issuePath.map((where) => ({ path: where, message }));
    throw invalid(`the repository's metadata cannot be read: ${message}`, issues);
  }
}

function summarise(test: DiscoveredTest): TestSummary {
  return {
    name: test.name,
    summary: stringOrNull(test.data.summary),
    duration: test.runtime.duration,
    tags: test.tags,
    require: test.require.map((entry) => (typeof entry === 'string' ? entry : toJson(entry))),
    metadata: asPlainJson(test.data),
  };
}

/** fmf values keep Python types (floats, dates, sets); the API sends their JSON form. */
function asPlainJson(data: FmfMapping): unknown {
  return JSON.parse(toJson(data)) as unknown;
}

function stringOrNull(value: FmfValue | undefined): string | null {
  return value === undefined || value === null ? null : pyStr(value);
}
