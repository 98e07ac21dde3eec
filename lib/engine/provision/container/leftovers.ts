import type Docker from 'dockerode';
import { ownerLabel, runLabel } from './labels';

/**
 * Removes the containers of runs that are no longer running: what a worker
 * killed mid-run left behind. Meant for worker start. Returns the removed ids.
 */
export async function removeLeftoverContainers(
  docker: Docker,
  isStillRunning: (runId: string) => boolean | Promise<boolean>,
): Promise<string[]> {
  const containers = await docker.listContainers({ all: true, filters: { label: [runLabel] } });
  const verdicts = new Map<string, Promise<boolean>>();
  const leftovers: string[] = [];
  for (const container of containers) {
    const runId = container.Labels[runLabel] ?? '';
    if (!verdicts.has(runId)) verdicts.set(runId, Promise.resolve(isStillRunning(runId)));
    if (!(await verdicts.get(runId))) leftovers.push(container.Id);
  }
  return removeAll(docker, leftovers);
}

/** Removes every container created for `owner` (a run-platform being resumed after its worker died). */
export async function removeContainersOwnedBy(docker: Docker, owner: string): Promise<string[]> {
  const containers = await docker.listContainers({ all: true, filters: { label: [`${ownerLabel}=${owner}`] } });
  return removeAll(
    docker,
    containers.map((container) => container.Id),
  );
}

async function removeAll(docker: Docker, ids: string[]): Promise<string[]> {
  await Promise.all(ids.map((id) => removeContainer(docker.getContainer(id))));
  return ids;
}

/** Force-removes a container; one that is already gone counts as removed. */
export async function removeContainer(container: Docker.Container): Promise<void> {
  try {
    await container.remove({ force: true, v: true });
  } catch (error) {
    if ((error as { statusCode?: number }).statusCode !== 404) throw error;
  }
}
