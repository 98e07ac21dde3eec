/**
 * The fmf metadata engine: what the rest of Testyard uses to read test
 * repositories described in fmf (teemtee/fmf) and tmt plans, with the same
 * results as the reference Python fmf and atex.
 *
 * Typical use:
 *
 *   const { treePath, commit } = await fetchTestRepository({ url, ref });
 *   const run = await discoverTests(treePath, { plan: '/plans/smoke', context: { distro: 'fedora-40' } });
 *   for (const test of run.tests) executor.runTest(test.name, test.test, test.runtime);
 *
 * Everything fails with FmfError (see `kind`), never with a crash.
 */
import path from 'node:path';
import { adjustTree } from './adjust';
import { Context } from './context';
import type { ContextDimensions } from './discover';
import { fetchRepository, defaultCacheDir, type SourceAccess } from './git';
import { loadTree, type FmfTree } from './tree';

export { FmfError, type FmfErrorKind } from './errors';
export {
  FmfDate,
  FmfFloat,
  FmfSet,
  FmfTimestamp,
  isMapping,
  newMapping,
  pyStr,
  type FmfMapping,
  type FmfScalar,
  type FmfValue,
} from './values';
export { loadTree, FmfNode, type FmfTree, type NodeDirectives } from './tree';
export { Context, parseRule, CANNOT_DECIDE, type Decision, type ParsedRule, type ContextExpression } from './context';
export { adjustTree, type AdjustOptions } from './adjust';
export { matchesFilter, type FilterOptions } from './filter';
export { evaluateCondition } from './condition';
export { prune, type PruneOptions } from './select';
export {
  discoverTests,
  loadLocalTree,
  localTreeRoot,
  listlike,
  type ContextDimensions,
  type DiscoverOptions,
  type DiscoveredTests,
  type DiscoveredTest,
  type TestRuntime,
  type PlanStep,
  type Requirement,
  type LibraryPlacement,
  type FetchedSource,
} from './discover';
export { durationToSeconds, DEFAULT_DURATION } from './duration';
export { fetchRepository, defaultCacheDir, type FetchedRepository, type SourceAccess } from './git';
export { toJson, parseJson, type JsonLike } from './json';
export { toAtexResult } from './atex-result';

/** Loads the tree at `treePath` and adjusts it with `context` (an empty context when absent, as atex does). */
export function loadAdjustedTree(treePath: string, context: ContextDimensions = {}): FmfTree {
  const tree = loadTree(treePath);
  adjustTree(tree.rootNode, new Context(context));
  return tree;
}

export interface TestRepositoryReference {
  url: string;
  /** Branch, tag or commit; the default branch when absent. */
  ref?: string;
  /** The fmf tree inside the repository (default: its top). */
  path?: string;
}

/** Fetches a test repository into the cache; `commit` is the resolved SHA to record for reproducible runs. */
export async function fetchTestRepository(
  reference: TestRepositoryReference,
  cacheDir = defaultCacheDir(),
  access?: SourceAccess,
): Promise<{ treePath: string; commit: string; checkout: string }> {
  const repository = await fetchRepository(reference.url, reference.ref, cacheDir, access);
  const treePath = path.resolve(repository.checkout, (reference.path ?? '.').replace(/^\/+/, '') || '.');
  return { treePath, commit: repository.commit, checkout: repository.checkout };
}
