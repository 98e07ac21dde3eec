import { discoverTests, toJson, type DiscoveredTest, type DiscoveredTests, type PlanStep } from '../fmf';
import type { ExecutableTest, PlanStep as ExecutorPlanStep, SuitePart, TestSuite } from './types';

/**
 * The executor's view of a discovered plan: each discover section's tree at
 * its prefix, and the beakerlib libraries its tests require under `libs/`.
 */
export function testSuiteFrom(discovered: DiscoveredTests): TestSuite {
  const trees = discovered.trees.map((tree): SuitePart => ({ at: tree.prefix, directory: tree.root }));
  const libraries = discovered.libraries.map((library): SuitePart =>
    'symlink' in library ? { at: library.path, symlink: library.symlink } : { at: library.path, directory: library.copyFrom },
  );
  return {
    parts: [...trees, ...libraries],
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
