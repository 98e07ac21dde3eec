/**
 * Ad-hoc orchestration of one platform's tests over provisioned remotes
 * (docs/ORCHESTRATION.md, "Ad-hoc orchestration rules").
 */
export {
  AdHocOrchestrator,
  type OrchestratorOptions,
  type PlatformOutcome,
  type PlatformStatus,
  type ResumeState,
  type RunningAttempt,
} from './adhoc';
export { removeAttemptDirectory, temporaryAttemptDirectories, safeFileName, type AttemptDirectories } from './attempt-directories';
export * from './policies';
export { plannedRun, schedulableTest, type PlannedRun } from './suite';
export type { Aggregator, AttemptOutcome, SchedulableTest, TestExecutor } from './types';
