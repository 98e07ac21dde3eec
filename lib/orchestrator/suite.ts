import type { ExecutableTest, PlanStep as ExecutorPlanStep, TestSuite } from '../executor/types';
import { toJson, type DiscoveredTest, type DiscoveredTests, type PlanStep } from '../fmf';
import { numericValue } from '../fmf/values';
import type { SchedulableTest } from './types';

/** A discovered plan as the orchestrator (scheduling) and the fmf executor (running) need it. */
export interface PlannedRun {
  suite: TestSuite;
  tests: SchedulableTest[];
}

/**
 * Adapts `discoverTests()` output (context applied) to the executor's
 * TestSuite. One tree only: named discover sections and beakerlib libraries
 * need a composed upload, which the executor does not do yet.
 */
export function plannedRun(discovered: DiscoveredTests): PlannedRun {
  const [tree, ...others] = discovered.trees;
  if (!tree || others.length > 0 || tree.prefix !== '') {
    throw new Error(`the plan has ${discovered.trees.length} discover sections; testyard runs plans with exactly one unnamed fmf section`);
  }
  if (discovered.libraries.length > 0) throw new Error('the plan needs beakerlib libraries, which testyard runs do not upload yet');
  return {
    suite: {
      root: tree.root,
      plan: {
        environment: discovered.planEnvironment,
        prepare: discovered.prepare.map(executorStep),
        finish: discovered.finish.map(executorStep),
      },
      tests: new Map(discovered.tests.map((test) => [test.name, executableTest(test)])),
    },
    tests: discovered.tests.map(schedulableTest),
  };
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

export function schedulableTest(test: DiscoveredTest): SchedulableTest {
  const priority = numericValue(test.data['extra-priority']);
  return {
    name: test.name,
    durationSeconds: test.runtime.durationSeconds,
    tags: test.tags,
    priority: priority === undefined ? 0 : Number(priority),
  };
}
