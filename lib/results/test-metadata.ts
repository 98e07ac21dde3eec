import type { Db } from '../db/client';
import { discoverTests, toJson } from '../fmf';
import { platformSnapshot, runSettings } from '../runs/settings';
import { runTreePath } from '../runs/tree';
import { exactNamePatterns } from './rerun-failed';

export type TestMetadata = { data: Record<string, unknown> } | { error: string };

/**
 * A test's fmf metadata as its run saw it: the run's pinned commit (or the
 * server-side folder), its plan, and the platform's context with the run's on
 * top. Callers check access to the run first.
 */
export async function getTestMetadata(db: Db, runId: string, platformName: string, testName: string): Promise<TestMetadata> {
  const run = await db.run.findUniqueOrThrow({ where: { id: runId }, include: { repo: { select: { url: true, path: true } }, platforms: { where: { name: platformName }, select: { spec: true } } } });
  try {
    const treePath = await runTreePath(run);
    const spec = run.platforms[0] ? platformSnapshot.parse(run.platforms[0].spec) : null;
    const context = { ...(spec?.context ?? {}), ...runSettings.parse(run.settings).context };
    const discovered = await discoverTests(treePath, { plan: run.plan, names: exactNamePatterns([testName]), context, libraries: false });
    const test = discovered.tests.find((item) => item.name === testName);
    if (!test) return { error: 'the test is not in the plan any more' };
    return { data: JSON.parse(toJson(test.data)) as Record<string, unknown> };
  } catch (error) {
    return { error: (error as Error).message };
  }
}
