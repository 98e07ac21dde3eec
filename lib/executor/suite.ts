import { discoverTests, toJson, type DiscoveredTest, type DiscoveredTests, type PlanStep } from '../fmf';
import type { ExecutableTest, PlanStep as ExecutorPlanStep, TestSuite } from './types';

/**
 * The executor's view of a discovered plan. One tree only: named discover
 * sections and beakerlib libraries need a composed upload, which the executor
 * does not do yet.
 */
export function testSuiteFrom(discovered: DiscoveredTests): TestSuite {
  const [tree, ...others] = discovered.trees;
  if (!tree || others.length > 0 || tree.prefix !== '') {
    throw new Error(`the plan has ${discovered.trees.length} discover sections; testyard runs plans with exactly one unnamed fmf section`);
  }
  if (discovered.libraries.length > 0) throw new Error('the plan needs beakerlib libraries, which testyard runs do not upload yet');
  return {
    root: tree.root,
    plan: {
      environment: discovered.planEnvironment,
      prepare: discovered.prepare.map(executorStep),
      finish: discovered.finish.map(executorStep),
    },
    tests: new Map(discovered.tests.map((test) => [test.name, executableTest(test)])),
  };
}

/** Discovers a plan of a local tree (atex's default plan, every test, when none is named). */
export async function loadTestSuite(treePath: string, plan?: string): Promise<TestSuite> {
  return testSuiteFrom(await discoverTests(treePath, { plan }));
}

function executorStep(step: PlanStep): ExecutorPlanStep {
  return step.how === 'install' ? { how: 'install', packages: step.package } : { how: 'shell', scripts: step.script };
}

function executableTest(test: DiscoveredTest): ExecutableTest {
  return {
    name: test.name,
    command: test.test,
    directory: test.source,
    durationSeconds: test.runtime.durationSeconds,
    environment: test.runtime.environment,
    require: test.runtime.pkgRequires,
    recommend: test.runtime.pkgRecommends,
    tty: test.runtime.tty,
    metadata: JSON.parse(toJson(test.data)) as Record<string, unknown>,
  };
}
