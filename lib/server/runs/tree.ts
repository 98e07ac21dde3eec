import { builtinTreePath } from '../example/example';
import { fetchTestRepository, localTreeRoot } from '../../engine/fmf';
import { operatorPolicy } from '../security/operator-policy';

export interface RunSource {
  repoUrl: string | null;
  commit: string | null;
  repo: { url: string | null; path: string | null } | null;
}

/**
 * Where a run's tests are: its git repository checked out at the pinned
 * commit, the built-in example, or its server-side folder; through the
 * operator's policy as it is now (a root taken away since the run was
 * created is refused).
 */
export async function runTreePath(run: RunSource): Promise<string> {
  const { sources } = operatorPolicy();
  const url = run.repoUrl ?? run.repo?.url;
  const builtin = url && builtinTreePath(url);
  if (builtin) return builtin;
  if (url) return (await fetchTestRepository({ url, ...(run.commit ? { ref: run.commit } : {}) }, undefined, sources)).treePath;
  if (run.repo?.path) return localTreeRoot(run.repo.path, sources);
  throw new Error('the run has no test repository any more (it was deleted)');
}
