import type { AttemptOutcome, SchedulableTest } from './types';

/**
 * The ad-hoc orchestrator's decisions as plain functions (atex's
 * next_test / was_successful / should_be_rerun / destructive). Orders compose
 * with `thenBy`; anything the orders leave tied runs in queue order.
 */

/** Negative when `a` should run before `b`, positive when after, 0 when either will do. */
export type TestOrder = (a: SchedulableTest, b: SchedulableTest) => number;

/** Picks the test a free remote runs next; `queued` is never empty and must not be modified. */
export type NextTestPolicy = (queued: readonly SchedulableTest[]) => SchedulableTest;

export type SuccessPolicy = (outcome: AttemptOutcome) => boolean;

/** Whether a test that just finished may have broken its system (exceptions destroy a remote regardless). */
export type DestructivePolicy = (test: SchedulableTest, outcome: AttemptOutcome) => boolean;

/** Whether an unsuccessful attempt goes back to the queue. */
export type RerunPolicy = (test: SchedulableTest, outcome: AttemptOutcome) => boolean;

/** fmf `extra-priority`: higher first. */
export const byPriority: TestOrder = (a, b) => b.priority - a.priority;

/** Longest `duration` first: long tests started late stretch the end of a run. */
export const longestFirst: TestOrder = (a, b) => b.durationSeconds - a.durationSeconds;

export function thenBy(...orders: TestOrder[]): TestOrder {
  return (a, b) => {
    for (const order of orders) {
      const decision = order(a, b);
      if (decision !== 0) return decision;
    }
    return 0;
  };
}

/** The first test that no other queued test should precede (stable: ties go to the earlier one in the queue). */
export function firstBy(order: TestOrder): NextTestPolicy {
  return (queued) => {
    let best = queued[0]!;
    for (let index = 1; index < queued.length; index++) {
      const candidate = queued[index]!;
      if (order(candidate, best) < 0) best = candidate;
    }
    return best;
  };
}

/** Queue order: first discovered, first run; reruns go to the back. */
export const inQueueOrder: NextTestPolicy = (queued) => queued[0]!;

/** Successful: the executor raised nothing and the test exited 0. */
export const exitedZero: SuccessPolicy = (outcome) => outcome.exception === null && outcome.exitCode === 0;

export function hasTag(tag: string): DestructivePolicy {
  return (test) => test.tags.includes(tag);
}

/** fmf tag `destructive`. */
export const taggedDestructive: DestructivePolicy = hasTag('destructive');

/** At most `reruns` attempts after the first one; counted from the attempt number, so a resumed run keeps its count. */
export function limitedReruns(reruns: number): RerunPolicy {
  return (_test, outcome) => outcome.attempt <= reruns;
}

export interface Policies {
  nextTest: NextTestPolicy;
  wasSuccessful: SuccessPolicy;
  destructive: DestructivePolicy;
  shouldBeRerun: RerunPolicy;
}

/** Priority, then longest first; tag `destructive`; `reruns` reruns of unsuccessful tests. */
export function defaultPolicies(reruns: number): Policies {
  return {
    nextTest: firstBy(thenBy(byPriority, longestFirst)),
    wasSuccessful: exitedZero,
    destructive: taggedDestructive,
    shouldBeRerun: limitedReruns(reruns),
  };
}

/** Why an unsuccessful attempt does not count, for `rerunReason` and events. */
export function failureReason(outcome: AttemptOutcome): string {
  return outcome.exception ?? `exit code ${outcome.exitCode}`;
}
