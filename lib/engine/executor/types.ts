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

/**
 * One part of the tests directory uploaded to a remote, at a path relative to
 * it (`''` is the directory itself): a local directory copied there, or a
 * symlink. A plan with named discover sections has one directory per section;
 * beakerlib libraries add copies and symlinks under `libs/`.
 */
export type SuitePart = { at: string; directory: string } | { at: string; symlink: string };

/** The tests directory's parts, the plan chosen, and its tests by name. */
export interface TestSuite {
  parts: SuitePart[];
  plan: PlanSteps;
  tests: ReadonlyMap<string, ExecutableTest>;
}

export const defaultTestDurationSeconds = 300;
