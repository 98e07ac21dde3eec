import type PgBoss from 'pg-boss';
import type { ArtifactStore } from '../lib/server/artifacts/store';
import { heartbeatIntervalMs } from '../lib/server/health/heartbeat';
import type { Db } from '../lib/server/db/client';
import type { RunEvent } from '../lib/shared/events/catalogue';
import { FmfExecutor } from '../lib/engine/executor/fmf-executor';
import { discoverTests } from '../lib/engine/fmf';
import { AdHocOrchestrator, plannedRun, type PlannedRun, type PlatformOutcome } from '../lib/engine/orchestrator';
import { PostgresAggregator } from './aggregator';
import { labelIngestedFailures } from './known-issue-labels';
import { RunEventRecorder } from './event-recorder';
import { liveAttemptDirectories, removeLiveAttempts } from '../lib/server/runs/live-attempts';
import type { LiveBroadcaster } from '../lib/server/runs/events';
import { queueRunPlatform, runPlatformQueue, type RunPlatformJobData } from '../lib/server/runs/job-queue';
import { claimRunPlatform, finishRunPlatform, holdsRunPlatform, unclaimRunPlatform, type ClaimedRunPlatform } from './lifecycle';
import { prepareResume } from './resume';
import { runTreePath, type RunSource } from '../lib/server/runs/tree';
import { operatorPolicy } from '../lib/server/security/operator-policy';
import { platformSnapshot, runFilters, runSettings, type PlatformSnapshot, type RunSettings } from '../lib/server/runs/settings';
import type { WorkerNotifications } from './notifications';
import { LiveOutputPublisher } from './live-output';
import { provisionerFor, releaseAbandonedRemotes } from './provisioners';
import { messageOf } from '../lib/shared/errors';
import { emitNewFailure, emitRunFinishedIfOver } from '../lib/server/webhooks/run-events';
import { SystemHealthRecorder } from './system-health';

export interface WorkerServices {
  db: Db;
  boss: PgBoss;
  store: ArtifactStore;
  live: LiveBroadcaster;
  notifications: WorkerNotifications;
  workerId: string;
  /** Aborted when the worker shuts down: running platforms are handed back to the queue. */
  stopping: AbortSignal;
}

class WorkerStopping extends Error {}

/**
 * One (run, platform) job: claim it, resume from what is stored, run the
 * orchestrator with the Postgres aggregator and the run's event sink, then
 * store how it ended (and the run's status when it was the last platform).
 * A worker whose heartbeat stalled long enough for another to take the
 * platform over notices at its next check and stops, storing nothing more.
 */
export async function runPlatformJob(job: PgBoss.Job<RunPlatformJobData>, services: WorkerServices): Promise<void> {
  const { db, workerId, live } = services;
  const claimed = await claimRunPlatform(db, job.data.runPlatformId, workerId, job.id, live);
  if (!claimed) return;

  const run = await db.run.findUniqueOrThrow({ where: { id: claimed.runId }, include: { repo: { select: { url: true, path: true } } } });
  const runPlatform = await db.runPlatform.findUniqueOrThrow({ where: { id: claimed.id }, select: { platformId: true } });
  const abort = new AbortController();
  const stopWorker = () => abort.abort(new WorkerStopping('the worker is stopping'));
  services.stopping.addEventListener('abort', stopWorker, { once: true });
  const unwatch = services.notifications.watchCancel(run.id, () => abort.abort(new Error('the run was cancelled')));
  // A cancel between the claim and the watch would otherwise go unnoticed.
  if ((await db.run.findUniqueOrThrow({ where: { id: run.id }, select: { status: true } })).status === 'cancelled')
    abort.abort(new Error('the run was cancelled'));
  const claimCheck = setInterval(() => {
    holdsRunPlatform(db, claimed.id, workerId).then(
      (held) => held || abort.abort(new Error('another worker took the platform over')),
      () => {},
    );
  }, heartbeatIntervalMs);

  const recorder = new RunEventRecorder(db, run.id, live, (error) =>
    console.error(`worker: run ${run.id}: storing events failed: ${error.message}`),
  );
  const output = new LiveOutputPublisher(run.id, live);
  let outcome: Pick<PlatformOutcome, 'status' | 'error'>;
  let systemHealth: SystemHealthRecorder | undefined;
  let storing: PostgresAggregator | undefined;
  try {
    const spec = platformSnapshot.parse(claimed.spec);
    systemHealth = new SystemHealthRecorder(db, run.teamId, runPlatform.platformId, spec, abort.signal);
    const settings = runSettings.parse(run.settings);
    const abandoned = await releaseAbandonedRemotes(spec, claimed.id, { db, teamId: run.teamId });
    if (abandoned.length > 0)
      console.log(`worker: ${claimed.name} of run ${run.id}: removed ${abandoned.length} systems left by a dead worker`);
    await removeLiveAttempts(services.store, run.id, claimed.id);
    const resume = await prepareResume(db, claimed.id);
    const planned = await planTests(run, spec, settings);
    const aggregator = new PostgresAggregator(
      db,
      services.store,
      { runId: run.id, runPlatformId: claimed.id, teamId: run.teamId, workerId },
      {
        onIngested: async (summaries) => {
          for (const summary of summaries) {
            emitNewFailure(db, services.boss, run.id, { ...summary, platform: claimed.name }).catch((error: Error) =>
              console.error(`worker: run ${run.id}: queueing webhooks failed: ${error.message}`),
            );
          }
          const labels = await labelIngestedFailures(
            db,
            services.store,
            services.boss,
            { runId: run.id, teamId: run.teamId, platform: claimed.name },
            summaries,
          );
          // Each attempt's labels right after it, as they would come had it been stored alone.
          for (const summary of summaries) {
            recorder.record({
              type: 'result.ingested',
              platform: claimed.name,
              test: summary.testName,
              attempt: summary.attempt,
              status: summary.status,
              results: summary.results,
            });
            for (const label of labels) {
              if (label.type === 'result.labelled' && label.test === summary.testName && label.attempt === summary.attempt)
                recorder.record(label);
            }
          }
        },
      },
    );
    storing = aggregator;
    const onEvent = (event: RunEvent) => {
      if (event.type === 'test.finished') output.finish(event);
      systemHealth?.observe(event);
      if (event.type === 'test.started') {
        aggregator
          .attemptStarted(event.test, event.attempt, event.remote, new Date())
          .catch((error: Error) => console.error(`worker: recording an attempt start failed: ${error.message}`));
      }
      // Stored by finishRunPlatform, and only if this worker still holds the platform then.
      if (event.type !== 'platform.finished') recorder.record(event);
    };
    const orchestrator = new AdHocOrchestrator({
      platform: claimed.name,
      tests: planned.tests,
      provisioners: [
        await provisionerFor(spec, {
          db,
          teamId: run.teamId,
          runId: run.id,
          runPlatformId: claimed.id,
          platformId: runPlatform.platformId,
          workerId,
          onVmState: (remote, state) => recorder.record({ type: 'remote.progress', platform: claimed.name, remote, state }),
        }),
      ],
      createExecutor: (remote) => new FmfExecutor(remote.connection, planned.suite, { environment: settings.environment }),
      aggregator,
      onEvent,
      onOutput: (attempt, bytes) => output.write(attempt, bytes),
      attemptDirectories: liveAttemptDirectories(services.store, run.id, claimed.id),
      maxRemotes: settings.maxRemotes ?? spec.maxRemotes,
      maxSpares: spec.maxSpares,
      reruns: settings.reruns,
      resume,
      signal: abort.signal,
    });
    outcome = await orchestrator.run();
  } catch (error) {
    outcome = { status: 'error', error: messageOf(error) };
  } finally {
    output.close();
    clearInterval(claimCheck);
    unwatch();
    services.stopping.removeEventListener('abort', stopWorker);
  }
  // Attempt starts of tests cancelled meanwhile: written while the platform is still held.
  await storing?.flush();
  await recorder.flush();
  await systemHealth?.flush();
  if (abort.signal.reason instanceof WorkerStopping) await handBack(claimed, job, services);
  else if (await finishRunPlatform(db, claimed.id, workerId, outcome, live)) {
    await removeLiveAttempts(services.store, run.id, claimed.id).catch((error: Error) =>
      console.error(`worker: run ${run.id}: removing its live folder failed: ${error.message}`),
    );
    await emitRunFinishedIfOver(db, services.boss, run.id).catch((error: Error) =>
      console.error(`worker: run ${run.id}: queueing webhooks failed: ${error.message}`),
    );
  } else if (!(await holdsRunPlatform(db, claimed.id, workerId))) {
    console.log(`worker: ${claimed.name} of run ${run.id} was taken over by another worker; stopped and stored nothing more`);
  }
}

/** The worker is stopping: the platform goes back to the queue and another worker resumes it. */
async function handBack(
  claimed: ClaimedRunPlatform,
  job: PgBoss.Job<RunPlatformJobData>,
  { db, boss, workerId }: WorkerServices,
): Promise<void> {
  if (!(await unclaimRunPlatform(db, claimed.id, workerId))) return;
  const { kind } = platformSnapshot.parse(claimed.spec).config;
  // One active job per run platform: this one must end before its successor can start.
  await boss.complete(runPlatformQueue(kind), job.id);
  await queueRunPlatform(db, boss, { id: claimed.id, kind });
}

async function planTests(
  run: RunSource & { plan: string; filters: unknown },
  spec: PlatformSnapshot,
  settings: RunSettings,
): Promise<PlannedRun> {
  const filters = runFilters.parse(run.filters);
  const discovered = await discoverTests(await runTreePath(run), {
    plan: run.plan,
    names: filters.names,
    excludes: filters.excludes,
    context: { ...spec.context, ...settings.context },
    access: operatorPolicy().sources,
  });
  return plannedRun(discovered);
}
