import type { Actor } from '../access/actor';
import type { Db } from '../db/client';
import { invalid } from '../errors';
import { createRun, type CreatedRun, type RunServices } from '../runs/create';
import { findTeamRun } from '../runs/lookup';
import { runFilters, runSettings } from '../runs/settings';

const failedStatuses = ['fail', 'error'];
/** createRun's limits on name filters. */
const maxPatternLength = 1000;
const maxPatterns = 100;

/**
 * Starts a new run (member) with the settings of `runRef`, limited to the
 * tests whose final result failed or errored, on the platforms where they did.
 */
export async function rerunFailedTests(db: Db, actor: Actor, teamSlug: string, runRef: string, services: RunServices): Promise<CreatedRun> {
  const { id } = await findTeamRun(db, actor, teamSlug, runRef, 'member');
  const run = await db.run.findUniqueOrThrow({ where: { id } });
  const failed = await db.result.findMany({
    where: { runId: id, superseded: false, name: null, status: { in: failedStatuses } },
    distinct: ['runPlatformId', 'testName'],
    select: { testName: true, runPlatform: { select: { platformId: true } } },
  });
  if (failed.length === 0) throw invalid('this run has no failed tests to re-run');
  const platforms = [...new Set(failed.map((result) => result.runPlatform.platformId).filter((platformId) => platformId !== null))];
  if (platforms.length === 0) throw invalid('the platforms of the failed tests have been deleted');
  const settings = runSettings.parse(run.settings);
  const filters = runFilters.parse(run.filters);
  return createRun(
    db,
    actor,
    teamSlug,
    {
      ...(run.repoId ? { repoId: run.repoId } : { url: run.repoUrl, ...(run.ref ? { ref: run.ref } : {}) }),
      plan: run.plan,
      platforms,
      filters: { names: exactNamePatterns([...new Set(failed.map((result) => result.testName))]), excludes: filters.excludes },
      context: settings.context,
      reruns: settings.reruns,
      ...(settings.maxRemotes ? { maxRemotes: settings.maxRemotes } : {}),
      environment: settings.environment,
    },
    services,
  );
}

/** Anchored alternations of the names, packed into as few patterns as the run limits allow. */
export function exactNamePatterns(names: readonly string[]): string[] {
  const patterns: string[] = [];
  let group: string[] = [];
  const pattern = (items: string[]) => `^(?:${items.join('|')})$`;
  for (const name of names) {
    const escaped = escapePythonRegex(name);
    if (group.length > 0 && pattern([...group, escaped]).length > maxPatternLength) {
      patterns.push(pattern(group));
      group = [];
    }
    group.push(escaped);
  }
  if (group.length > 0) patterns.push(pattern(group));
  if (patterns.length > maxPatterns || patterns.some((item) => item.length > maxPatternLength)) {
    throw invalid('too many failed tests (or too long names) to re-run as one run');
  }
  return patterns;
}

function escapePythonRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\#&~\s-]/g, (char) => `\\${char}`);
}
