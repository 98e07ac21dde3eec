// The worker process: runs (run, platform) jobs from the Postgres-backed job
// queue, reports its liveness, resumes platforms of dead workers, and pushes
// live events to browsers through the Postgres emitter.
import { defaultArtifactStore } from '../lib/server/artifacts/store';
import { db } from '../lib/server/db/client';
import type { ProvisionerKind } from '../lib/server/platforms/spec';
import { heartbeatIntervalMs, startHeartbeat } from '../lib/server/health/heartbeat';
import { createLiveEmitter } from '../lib/server/live/emitter';
import { rooms } from '../lib/shared/rooms';
import { onShutdown } from '../lib/server/process/shutdown';
import { createJobQueue, ensureRunPlatformQueues, runPlatformQueue, type RunPlatformJobData } from '../lib/server/runs/job-queue';
import { removeLeftovers } from './leftovers';
import { WorkerNotifications } from './notifications';
import { requeueOrphanedPlatforms } from './orphans';
import { kindAllowed, servedKinds, untilContainerEngineAnswers, workerDockerHost } from './provisioners';
import { runPlatformJob } from './run-platform-job';
import { messageOf } from '../lib/shared/errors';
import { requireDatabaseUrl, workerConcurrency } from '../lib/server/config';
import { attemptDelivery, deliverySettings } from './webhook-delivery';
import { checkedFetch } from '../lib/engine/network/checked-fetch';
import { operatorPolicy } from '../lib/server/security/operator-policy';
import { ensureWebhookQueue, webhookDeliveryQueue, type WebhookDeliveryJob } from '../lib/server/webhooks/events';

const databaseUrl = requireDatabaseUrl();
const concurrency = workerConcurrency();

const boss = createJobQueue(databaseUrl, 'worker');
await boss.start();
await ensureRunPlatformQueues(boss);

const live = createLiveEmitter(databaseUrl);
const heartbeat = startHeartbeat(db(), 'worker', { concurrency }, (beat) => live.emitter.to(rooms.health).emit('heartbeat', beat));
await heartbeat.ready;

// VM hosts that do not answer may take a while: runs need not wait for them.
void removeLeftovers(db()).catch((error: unknown) => console.error(`worker: removing leftovers failed: ${messageOf(error)}`));

const stopping = new AbortController();
const pollers: string[] = [];
const notifications = new WorkerNotifications(
  databaseUrl,
  () => pollers.forEach((id) => boss.notifyWorker(id)),
  () => void catchUpOnCancellations(),
);
await notifications.start();

/** After the LISTEN connection was lost: cancellations sent meanwhile. */
async function catchUpOnCancellations() {
  const watched = notifications.watchedRuns();
  const cancelled = await db().run.findMany({ where: { id: { in: watched }, status: 'cancelled' }, select: { id: true } });
  for (const run of cancelled) notifications.cancelled(run.id);
}

const services = {
  db: db(),
  boss,
  store: defaultArtifactStore(),
  live: live.emitter,
  notifications,
  workerId: heartbeat.id,
  stopping: stopping.signal,
};
const kinds = await servedKinds();
// pg-boss runs one batch per poller at a time: `concurrency` pollers of one job each, per provisioner kind served.
async function serve(kind: ProvisionerKind): Promise<void> {
  for (let index = 0; index < concurrency; index++) {
    const poller: string = await boss.work<RunPlatformJobData>(
      runPlatformQueue(kind),
      { batchSize: 1, pollingIntervalSeconds: 2 },
      async ([job]) => {
        if (!job) return;
        await runPlatformJob(job, services);
        // pg-boss would wait a whole polling interval before the next fetch; when jobs are waiting, take the next one now.
        setImmediate(() => boss.notifyWorker(poller));
      },
    );
    pollers.push(poller);
  }
}
for (const kind of kinds.serves) await serve(kind);

// Webhooks go out from here, never from a web request; a slow receiver holds up one of the two pollers at most.
const webhooks = { settings: deliverySettings(), fetch: checkedFetch(operatorPolicy().outbound) };
await ensureWebhookQueue(boss);
for (let index = 0; index < 2; index++) {
  pollers.push(
    await boss.work<WebhookDeliveryJob>(webhookDeliveryQueue, { batchSize: 1, pollingIntervalSeconds: 1 }, async ([job]) => {
      if (job) await attemptDelivery(db(), boss, job.data.deliveryId, webhooks);
    }),
  );
}
await heartbeat.describe({ concurrency, ...kinds });
if (!kinds.serves.includes('container') && workerDockerHost() && kindAllowed('container')) {
  console.log(`worker: the container engine at ${workerDockerHost()} does not answer yet; container platforms wait until it does`);
  void untilContainerEngineAnswers(stopping.signal).then(async () => {
    await serve('container');
    kinds.serves.push('container');
    delete kinds.unavailable.container;
    await heartbeat.describe({ concurrency, ...kinds });
    console.log('worker: the container engine answers; serving container platforms too');
  });
}

const sweep = () =>
  requeueOrphanedPlatforms(db(), boss).then(
    (requeued) => {
      if (requeued.length === 0) return;
      console.log(`worker: re-queued ${requeued.length} run platforms of dead workers`);
      // Taken now rather than at the next poll.
      pollers.forEach((id) => boss.notifyWorker(id));
    },
    (error: Error) => console.error(`worker: looking for dead workers failed: ${error.message}`),
  );
await sweep();
const sweeper = setInterval(() => void sweep(), heartbeatIntervalMs);
sweeper.unref();
console.log(`worker: ${heartbeat.id} ready for ${kinds.serves.join(', ')} platforms (concurrency ${concurrency})`);

onShutdown('worker', async () => {
  clearInterval(sweeper);
  // Running platforms stop, release their systems and go back to the queue for another worker.
  stopping.abort();
  await boss.stop({ graceful: true, timeout: 60_000, wait: true });
  await notifications.close();
  await heartbeat.stop();
  await live.close();
  await db().$disconnect();
});
