import { execFile } from 'node:child_process';
import Docker from 'dockerode';
import { dockerOptions } from '../lib/engine/connection/container';
import type { Db } from '../lib/server/db/client';
import type { ProvisionerKind } from '../lib/server/platforms/spec';
import { removeContainersOwnedBy } from '../lib/engine/provision/container';
import { workerHostRefusal } from '../lib/server/platforms/worker-host';
import { createProvisioner } from '../lib/engine/provision/from-config';
import { platformDomains, releaseDomainsOwnedBy, type VmState } from '../lib/engine/provision/libvirt';
import { PostgresHostLeases } from '../lib/server/platforms/postgres-host-leases';
import type { Provisioner } from '../lib/engine/provision/types';
import type { PlatformSnapshot } from '../lib/server/runs/settings';
import { revealSecret } from '../lib/server/secrets/secrets';
import { provisionerLimits } from '../lib/server/security/operator-policy';
import { containerEngineHost, containerNetworkMode, localPlatformsEnabled, workerKinds } from '../lib/server/config';

/**
 * The container engine workers use: TESTYARD_DOCKER_HOST (unix:///… or
 * tcp://…), else DOCKER_HOST, else the Docker socket. TESTYARD_CONTAINER_NETWORK
 * sets the containers' network mode (e.g. "host").
 */
export function workerDockerHost(): string | undefined {
  return containerEngineHost();
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

/**
 * A container engine configured for this worker that does not answer yet (a
 * Podman service still starting, a busy host) is asked again, less and less
 * often, until it answers; resolves then, or never when the signal aborts.
 */
export async function untilContainerEngineAnswers(signal: AbortSignal): Promise<void> {
  for (let delayMs = 1000; !signal.aborted; delayMs = Math.min(delayMs * 2, 30_000)) {
    if (await containerEngineAnswers()) return;
    await new Promise((resolve) => setTimeout(resolve, delayMs).unref());
  }
  return new Promise(() => {});
}

/** Why this worker cannot run a platform kind, shown on the health page and the platform form. */
export const unavailableReasons = {
  noEngine: 'no container engine (install podman or Docker, or set TESTYARD_DOCKER_HOST)',
  engineSilent: 'the container engine does not answer (yet)',
  localDisabled: 'disabled (TESTYARD_ENABLE_LOCAL=1 enables it)',
  noVirsh: 'virsh is not installed (Debian: libvirt-clients)',
  notThisWorker: 'this worker is limited to other kinds (TESTYARD_WORKER_KINDS)',
};

export interface KindsServed {
  serves: ProvisionerKind[];
  /** The kinds it cannot serve, each with the reason. */
  unavailable: Partial<Record<ProvisionerKind, string>>;
}

/** libvirt platforms are driven through virsh (Debian: libvirt-clients). */
export function virshInstalled(): Promise<boolean> {
  return new Promise((resolve) => execFile('virsh', ['--version'], (error) => resolve(!error)));
}

/**
 * The provisioner kinds this worker can serve now: SSH pools and Testing Farm
 * need only the network; containers need a container engine that answers;
 * libvirt needs virsh; local platforms need the administrator's consent
 * (TESTYARD_ENABLE_LOCAL=1).
 */
export async function servedKinds(): Promise<KindsServed> {
  const kinds: KindsServed = { serves: ['ssh', 'testing-farm'], unavailable: {} };
  if (await containerEngineAnswers()) kinds.serves.push('container');
  else kinds.unavailable.container = workerDockerHost() ? unavailableReasons.engineSilent : unavailableReasons.noEngine;
  if (await virshInstalled()) kinds.serves.push('libvirt');
  else kinds.unavailable.libvirt = unavailableReasons.noVirsh;
  if (localPlatformsEnabled()) kinds.serves.push('local');
  else kinds.unavailable.local = unavailableReasons.localDisabled;
  for (const kind of kinds.serves.filter((kind) => !kindAllowed(kind))) kinds.unavailable[kind] = unavailableReasons.notThisWorker;
  kinds.serves = kinds.serves.filter(kindAllowed);
  return kinds;
}

/** TESTYARD_WORKER_KINDS (comma-separated) narrows a worker down to some kinds, e.g. a worker for the VM hosts only. */
export function kindAllowed(kind: ProvisionerKind): boolean {
  const allowed = workerKinds();
  return !allowed || allowed.includes(kind);
}

export interface ProvisionerContext {
  db: Db;
  teamId: string;
  runId: string;
  runPlatformId: string;
  /** The team's platform (host leases are per platform); null when it was deleted since the run started. */
  platformId: string | null;
  workerId: string;
  /** Progress of each libvirt VM on its way up. */
  onVmState?(remote: string, state: VmState): void;
}

/** The platform's provisioner, built from the snapshot taken when the run started. */
export async function provisionerFor(spec: PlatformSnapshot, context: ProvisionerContext): Promise<Provisioner> {
  const { config } = spec;
  const refusal = workerHostRefusal(config);
  if (refusal) throw new Error(`refused on this worker: ${refusal}`);
  if (config.kind === 'ssh' && !context.platformId) throw new Error('the ssh platform was deleted; its host leases went with it');
  return await createProvisioner(config, {
    // host leases are per team platform; a deleted platform only matters to ssh pools (refused above)
    platformId: context.platformId ?? context.runPlatformId,
    runId: context.runId,
    // the run platform, not the worker: whoever resumes it can find and remove what a dead worker left
    owner: context.runPlatformId,
    secret: spec.secretId ? await revealSecret(context.db, context.teamId, spec.secretId) : undefined,
    hostLeases: new PostgresHostLeases(context.db),
    dockerHost: workerDockerHost(),
    networkMode: containerNetworkMode(),
    ...provisionerLimits(),
    onVmState: context.onVmState,
  });
}

/** Removes systems a dead worker held for this run platform before another takes it over. */
export async function releaseAbandonedRemotes(
  spec: PlatformSnapshot,
  runPlatformId: string,
  { db, teamId }: { db: Db; teamId: string },
): Promise<string[]> {
  const { config } = spec;
  // SSH leases expire on their own (their holder stops renewing them); containers and VMs need giving back.
  if (config.kind === 'container') return removeContainersOwnedBy(workerDocker(), runPlatformId);
  if (config.kind !== 'libvirt' || workerHostRefusal(config)) return [];
  const domains = platformDomains(config, spec.secretId ? await revealSecret(db, teamId, spec.secretId) : undefined);
  try {
    return await releaseDomainsOwnedBy(domains, runPlatformId);
  } finally {
    await domains.vmHost.close();
  }
}
