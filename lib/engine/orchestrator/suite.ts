import { testSuiteFrom } from '../executor/suite';
import type { TestSuite } from '../executor/types';
import type { DiscoveredTest, DiscoveredTests } from '../fmf';
import { numericValue } from '../fmf/values';
import type { SchedulableTest } from './types';

/** A discovered plan as the orchestrator (scheduling) and the fmf executor (running) need it. */
export interface PlannedRun {
  suite: TestSuite;
  tests: SchedulableTest[];
}

export function plannedRun(discovered: DiscoveredTests): PlannedRun {
  return { suite: testSuiteFrom(discovered), tests: discovered.tests.map(schedulableTest) };
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
