import { builtinTreePath } from '../example/example';
import { fetchTestRepository } from '../fmf';

export interface RunSource {
  repoUrl: string | null;
  commit: string | null;
  repo: { url: string | null; path: string | null } | null;
}

/** Where a run's tests are: its git repository checked out at the pinned commit, the built-in example, or its server-side folder. */
export async function runTreePath(run: RunSource): Promise<string> {
  const url = run.repoUrl ?? run.repo?.url;
  if (url) return builtinTreePath(url) ?? (await fetchTestRepository({ url, ...(run.commit ? { ref: run.commit } : {}) })).treePath;
  if (run.repo?.path) return run.repo.path;
  throw new Error('the run has no test repository any more (it was deleted)');
}
