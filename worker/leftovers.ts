import type { Db } from '../lib/server/db/client';
import { provisionerConfig } from '../lib/server/platforms/spec';
import { workerHostRefusal } from '../lib/server/platforms/worker-host';
import { removeLeftoverContainers } from '../lib/engine/provision/container';
import { platformDomains, releaseLeftoverDomains } from '../lib/engine/provision/libvirt';
import { revealSecret } from '../lib/server/secrets/secrets';
import { containerEngineAnswers, kindAllowed, virshInstalled, workerDocker, workerDockerHost } from './provisioners';
import { messageOf } from '../lib/shared/errors';

/**
 * At start: what killed workers left behind on container engines and VM
 * hosts, for the kinds this worker serves. Only systems of ended runs are
 * touched, so this may go on while the worker already takes new runs.
 */
export async function removeLeftovers(db: Db): Promise<void> {
  await Promise.all([
    kindAllowed('container') ? removeLeftoverContainersOfFinishedRuns(db) : undefined,
    kindAllowed('libvirt') ? releaseLeftoverVms(db) : undefined,
  ]);
}

/** Runs this database does not know (e.g. of `testyard run` on the command line) are not ours to clean. */
async function runIsLive(db: Db, runId: string): Promise<boolean> {
  const run = await db.run.findUnique({ where: { id: runId }, select: { status: true } });
  return !run || run.status === 'queued' || run.status === 'running';
}

/**
 * Containers labelled with a run that is no longer queued or running are
 * what a killed worker left behind; remove them. Without a reachable
 * container engine there is nothing to clean.
 */
async function removeLeftoverContainersOfFinishedRuns(db: Db): Promise<void> {
  if (!(await containerEngineAnswers())) return;
  try {
    const removed = await removeLeftoverContainers(workerDocker(), (runId) => runIsLive(db, runId));
    if (removed.length > 0) console.log(`worker: removed ${removed.length} leftover containers of finished runs`);
  } catch (error) {
    console.error(`worker: removing leftover containers at ${workerDockerHost() ?? 'the default socket'} failed: ${messageOf(error)}`);
  }
}

/**
 * Domains of every libvirt platform reserved for a run platform whose run has
 * ended (its worker was killed before releasing them), or whose reservation
 * expired: powered off, clone dropped, reservation cleared.
 */
async function releaseLeftoverVms(db: Db): Promise<void> {
  if (!(await virshInstalled())) return;
  const platforms = await db.platform.findMany({
    where: { kind: 'libvirt' },
    select: { id: true, name: true, teamId: true, config: true, secretId: true },
  });
  const ownerIsLive = async (owner: string) => {
    const runPlatform = await db.runPlatform.findUnique({ where: { id: owner }, select: { runId: true } });
    // reservations of other tools and other Testyard servers are theirs to end (or to let expire)
    return !runPlatform || (await runIsLive(db, runPlatform.runId));
  };
  for (const platform of platforms) {
    const parsed = provisionerConfig.safeParse(platform.config);
    if (!parsed.success || parsed.data.kind !== 'libvirt' || workerHostRefusal(parsed.data)) continue;
    const config = parsed.data;
    const domains = platformDomains(
      config,
      platform.secretId ? await revealSecret(db, platform.teamId, platform.secretId).catch(withoutTheSecret(platform.name)) : undefined,
    );
    try {
      const released = await releaseLeftoverDomains(domains, ownerIsLive);
      if (released.length > 0)
        console.log(`worker: released ${released.length} leftover VMs of platform ${platform.name}: ${released.join(', ')}`);
    } catch (error) {
      console.error(`worker: releasing leftover VMs of platform ${platform.name} on ${domains.vmHost.label} failed: ${messageOf(error)}`);
    } finally {
      await domains.vmHost.close();
    }
  }
}

/** A platform whose key cannot be read is still swept where the VM host lets us in without it; the log says why it may fail. */
function withoutTheSecret(platformName: string) {
  return (error: unknown): undefined => {
    console.error(`worker: cannot read the secret of platform ${platformName} (${messageOf(error)}); sweeping without it`);
    return undefined;
  };
}
