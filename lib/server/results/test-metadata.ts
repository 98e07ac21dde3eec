import type { Db } from '../db/client';
import { discoverTests, toJson } from '../../engine/fmf';
import { platformSnapshot, runSettings } from '../runs/settings';
import { runTreePath } from '../runs/tree';
import { operatorPolicy } from '../security/operator-policy';
import { exactNamePatterns } from './rerun-failed';
import { messageOf } from '../../shared/errors';

export type TestMetadata = { data: Record<string, unknown> } | { error: string };

/**
 * A test's fmf metadata as its run saw it: the run's pinned commit (or the
 * server-side folder), its plan, and the platform's context with the run's on
 * top. Callers check access to the run first.
 */
export async function getTestMetadata(db: Db, runId: string, platformName: string, testName: string): Promise<TestMetadata> {
  const run = await db.run.findUniqueOrThrow({
    where: { id: runId },
    include: { repo: { select: { url: true, path: true } }, platforms: { where: { name: platformName }, select: { spec: true } } },
  });
  let treePath: string | undefined;
  try {
    treePath = await runTreePath(run);
    const spec = run.platforms[0] ? platformSnapshot.parse(run.platforms[0].spec) : null;
    const context = { ...(spec?.context ?? {}), ...runSettings.parse(run.settings).context };
    const discovered = await discoverTests(treePath, {
      plan: run.plan,
      names: exactNamePatterns([testName]),
      context,
      libraries: false,
      access: operatorPolicy().sources,
    });
    const test = discovered.tests.find((item) => item.name === testName);
    if (!test) return { error: 'the test is not in the plan any more' };
    return { data: JSON.parse(toJson(test.data)) as Record<string, unknown> };
  } catch (error) {
    const message = messageOf(error);
    // where the checkout is on the server is nobody's business
    return { error: treePath ? message.split(treePath).join('.') : message };
  }
}
