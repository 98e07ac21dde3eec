/** One test as the executor needs it; filled from fmf metadata by `fromFmf`. */
export interface ExecutableTest {
  /** fmf name, e.g. `/tests/login`. */
  name: string;
  /** Body of the test's `test:` key, run with bash. */
  command: string;
  /** The test's directory inside the tree, relative to its root (`.` for the root): its working directory. */
  directory: string;
  durationSeconds: number;
  environment: Record<string, string>;
  require: string[];
  recommend: string[];
  tty: boolean;
  /** Everything fmf knows about the test; the test reads it at TMT_TEST_METADATA. */
  metadata: Record<string, unknown>;
}

export type PlanStep = { how: 'install'; packages: string[] } | { how: 'shell'; scripts: string[] };

export interface PlanSteps {
  environment: Record<string, string>;
  prepare: PlanStep[];
  finish: PlanStep[];
}

/** A local fmf tree, the plan chosen in it, and its tests by name. */
export interface TestSuite {
  root: string;
  plan: PlanSteps;
  tests: ReadonlyMap<string, ExecutableTest>;
}

export const defaultTestDurationSeconds = 300;
