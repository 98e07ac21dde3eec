import type { Db } from '../lib/db/client';
import { removeLeftoverContainers } from '../lib/provision/container';
import { containerEngineAnswers, workerDocker, workerDockerHost } from './provisioners';

/**
 * At start: containers labelled with a run that is no longer queued or
 * running are what a killed worker left behind; remove them. Without a
 * reachable container engine there is nothing to clean.
 */
export async function removeLeftovers(db: Db): Promise<void> {
  if (!(await containerEngineAnswers())) return;
  try {
    const removed = await removeLeftoverContainers(workerDocker(), async (runId) => {
      const run = await db.run.findUnique({ where: { id: runId }, select: { status: true } });
      // Runs this database does not know (e.g. of `testyard run` on the command line) are not ours to clean.
      return !run || run.status === 'queued' || run.status === 'running';
    });
    if (removed.length > 0) console.log(`worker: removed ${removed.length} leftover containers of finished runs`);
  } catch (error) {
    console.error(`worker: removing leftover containers at ${workerDockerHost() ?? 'the default socket'} failed: ${(error as Error).message}`);
  }
}
