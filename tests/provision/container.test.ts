import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ContainerProvisioner, removeContainersOwnedBy, removeLeftoverContainers } from '../../lib/engine/provision/container';
import { ProvisionError } from '../../lib/engine/provision/types';
import { ensureTestImage, startPodmanService, type PodmanService } from '../support/podman';
import { shell } from './support';

let podman: PodmanService;
let image: string;
// podman's storage is shared with other test files running at the same time: touch only our runs
const ours = `provision-test-${randomUUID().slice(0, 8)}`;
const run = (name: string) => `${ours}-${name}`;

beforeAll(async () => {
  image = await ensureTestImage();
  podman = await startPodmanService();
});

afterAll(async () => {
  // nothing a test created may survive it, whatever went wrong
  const left = await podman.docker.listContainers({ all: true, filters: { label: ['testyard.run'] } });
  const ourLeft = left.filter((container) => container.Labels['testyard.run']?.startsWith(ours));
  await Promise.all(ourLeft.map((container) => podman.docker.getContainer(container.Id).remove({ force: true })));
  await podman.stop();
});

function provisionerFor(
  runId: string,
  owner = `${runId}-owner`,
  extra: Partial<ConstructorParameters<typeof ContainerProvisioner>[0]> = {},
) {
  return new ContainerProvisioner({
    image,
    dockerHost: podman.dockerHost,
    ownership: { runId, platformId: 'platform-1', owner },
    ...extra,
  });
}

async function containersOfRun(runId: string) {
  return podman.docker.listContainers({ all: true, filters: { label: [`testyard.run=${runId}`] } });
}

describe('container provisioner', () => {
  it('creates labelled, limited containers, runs commands in them and removes them on release', async () => {
    const provisioner = provisionerFor(run('run-a'), run('rp-a'), {
      env: { GREETING: 'hi there' },
      memoryMiB: 256,
      cpus: 1.5,
      privileged: true,
    });
    await provisioner.start();
    provisioner.provision(2);
    const [first, second] = await Promise.all([provisioner.getRemote(), provisioner.getRemote()]);
    expect(first.id).not.toBe(second.id);
    expect(await shell(first, 'echo "$GREETING"')).toBe('hi there');

    const [info] = await containersOfRun(run('run-a')).then((all) => all.filter((c) => first.id.endsWith(c.Id.slice(0, 12))));
    expect(info?.Labels).toMatchObject({ 'testyard.run': run('run-a'), 'testyard.platform': 'platform-1', 'testyard.owner': run('rp-a') });
    const inspected = await podman.docker.getContainer(info!.Id).inspect();
    expect(inspected.HostConfig.Memory).toBe(256 * 1024 * 1024);
    expect(inspected.HostConfig.NanoCpus).toBe(1.5e9);
    expect(inspected.HostConfig.Privileged).toBe(true);

    await first.release();
    await first.release();
    expect(await containersOfRun(run('run-a'))).toHaveLength(1);
    await provisioner.stop();
    expect(await containersOfRun(run('run-a'))).toHaveLength(0);
  });

  it('stop removes containers still being created', async () => {
    const provisioner = provisionerFor(run('run-b'));
    provisioner.provision(2);
    await provisioner.stop();
    expect(await containersOfRun(run('run-b'))).toHaveLength(0);
  });

  it('reports a missing image as a ProvisionError naming it', async () => {
    const provisioner = provisionerFor(run('run-c'), run('rp-c'), { image: 'localhost/testyard-no-such-image:1' });
    await expect(provisioner.start()).rejects.toThrow(/testyard-no-such-image/);
    provisioner.provision(1);
    await expect(provisioner.getRemote()).rejects.toBeInstanceOf(ProvisionError);
    await provisioner.stop();
  });

  it('removes what a crashed worker left: containers of finished runs, and of an owner being resumed', async () => {
    // "crash": provision and never release nor stop
    const finished = provisionerFor(run('run-finished'));
    const running = provisionerFor(run('run-running'), run('rp-resumed'));
    finished.provision(2);
    running.provision(1);
    await Promise.all([finished.getRemote(), finished.getRemote(), running.getRemote()]);

    // runs of other test files count as running
    const isStillRunning = async (runId: string) => !runId.startsWith(ours) || runId === run('run-running');
    const removed = await removeLeftoverContainers(podman.docker, isStillRunning);
    expect(removed).toHaveLength(2);
    expect(await containersOfRun(run('run-finished'))).toHaveLength(0);
    expect(await containersOfRun(run('run-running'))).toHaveLength(1);

    expect(await removeContainersOwnedBy(podman.docker, run('rp-resumed'))).toHaveLength(1);
    expect(await containersOfRun(run('run-running'))).toHaveLength(0);
  });
});
