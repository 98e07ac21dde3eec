import Docker from 'dockerode';
import { dockerOptions } from '../lib/connection/container';
import type { Db } from '../lib/db/client';
import { ContainerProvisioner, removeContainersOwnedBy } from '../lib/provision/container';
import { LocalProvisioner } from '../lib/provision/local';
import { PostgresHostLeases, SshPoolProvisioner } from '../lib/provision/ssh-pool';
import type { Provisioner } from '../lib/provision/types';
import type { PlatformSnapshot } from '../lib/runs/settings';
import { revealSecret } from '../lib/secrets/secrets';

/**
 * The container engine workers use: TESTYARD_DOCKER_HOST (unix:///… or
 * tcp://…), else DOCKER_HOST, else the Docker socket. TESTYARD_CONTAINER_NETWORK
 * sets the containers' network mode (e.g. "host").
 */
export function workerDockerHost(): string | undefined {
  return process.env.TESTYARD_DOCKER_HOST ?? process.env.DOCKER_HOST;
}

export function workerDocker(): Docker {
  return new Docker(dockerOptions(workerDockerHost()));
}

export async function containerEngineAnswers(): Promise<boolean> {
  try {
    await workerDocker().ping();
    return true;
  } catch {
    return false;
  }
}

export interface ProvisionerContext {
  db: Db;
  teamId: string;
  runId: string;
  runPlatformId: string;
  /** The team's platform (host leases are per platform); null when it was deleted since the run started. */
  platformId: string | null;
  workerId: string;
}

/** The platform's provisioner, built from the snapshot taken when the run started. */
export async function provisionerFor(spec: PlatformSnapshot, context: ProvisionerContext): Promise<Provisioner> {
  const { config } = spec;
  switch (config.kind) {
    case 'container':
      return new ContainerProvisioner({
        image: config.image,
        env: config.env,
        privileged: config.privileged,
        memoryMiB: config.memoryMiB,
        cpus: config.cpus,
        dockerHost: workerDockerHost(),
        networkMode: process.env.TESTYARD_CONTAINER_NETWORK,
        // Owner is the run platform, not the worker: whoever resumes it can find and remove what a dead worker left.
        ownership: { runId: context.runId, platformId: context.runPlatformId, owner: context.runPlatformId },
      });
    case 'ssh': {
      if (!spec.secretId) throw new Error('the ssh platform has no secret (its private key)');
      if (!context.platformId) throw new Error('the ssh platform was deleted; its host leases went with it');
      return new SshPoolProvisioner({
        platformId: context.platformId,
        hosts: config.hosts,
        privateKey: await revealSecret(context.db, context.teamId, spec.secretId),
        resetCommand: config.resetCommand,
        hostKeyFingerprints: config.hostKeyFingerprints,
        leases: new PostgresHostLeases(context.db),
        holderPrefix: context.workerId,
      });
    }
    case 'local':
      if (process.env.TESTYARD_ENABLE_LOCAL !== '1') throw new Error('local platforms are disabled on this worker (TESTYARD_ENABLE_LOCAL=1 enables them)');
      return new LocalProvisioner();
    case 'testing-farm':
      throw new Error('Testing Farm platforms are not wired into workers yet');
  }
}

/** Removes systems a dead worker held for this run platform before another takes it over. */
export async function releaseAbandonedRemotes(spec: PlatformSnapshot, runPlatformId: string): Promise<string[]> {
  // SSH leases expire on their own (their holder stops renewing them); containers need removing.
  if (spec.config.kind !== 'container') return [];
  return removeContainersOwnedBy(workerDocker(), runPlatformId);
}
