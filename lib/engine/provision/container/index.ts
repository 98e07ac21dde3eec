import Docker from 'dockerode';
import { ContainerConnection, dockerOptions } from '../../connection/container';
import { BackgroundProvisioner } from '../shared/background-provisioner';
import { ManagedRemote } from '../shared/managed-remote';
import { ProvisionError } from '../types';
import { ownershipLabels, type ContainerOwnership } from './labels';
import { removeContainer } from './leftovers';
import { ignoreCleanupFailure, messageOf } from '../../../shared/errors';

export { removeContainersOwnedBy, removeLeftoverContainers } from './leftovers';
export { ownerLabel, platformLabel, runLabel, type ContainerOwnership } from './labels';

export interface ContainerProvisionerOptions {
  image: string;
  env?: Record<string, string>;
  privileged?: boolean;
  memoryMiB?: number;
  cpus?: number;
  /** `unix:///run/podman/podman.sock`, `tcp://host:2375`; default DOCKER_HOST, else the Docker socket. */
  dockerHost?: string;
  /** Written as labels on every container (testyard.run, testyard.platform, testyard.owner). */
  ownership: ContainerOwnership;
  /** e.g. "host"; default: the engine's default network. */
  networkMode?: string;
}

/**
 * Containers kept alive by a sleeping entrypoint, reached through exec.
 * Works with Docker and with Podman's Docker-compatible API.
 */
export class ContainerProvisioner extends BackgroundProvisioner<ManagedRemote> {
  readonly label: string;
  private readonly docker: Docker;
  private readonly dockerHost: string | undefined;

  constructor(private readonly options: ContainerProvisionerOptions) {
    super();
    if (!options.image.trim()) throw new Error('container provisioner: image must not be empty');
    this.label = `container ${options.image}`;
    this.dockerHost = options.dockerHost ?? process.env.DOCKER_HOST;
    this.docker = new Docker(dockerOptions(this.dockerHost));
  }

  /** Checks that the engine answers and that the image is there, pulling it when it is not. */
  override async start(): Promise<void> {
    try {
      await this.docker.ping();
    } catch (error) {
      throw new ProvisionError(
        `${this.label}: the container engine at ${this.dockerHost ?? 'the default socket'} does not answer: ${messageOf(error)}`,
      );
    }
    try {
      await this.docker.getImage(this.options.image).inspect();
    } catch {
      await this.pullImage();
    }
  }

  private async pullImage(): Promise<void> {
    try {
      const progress = await this.docker.pull(this.options.image);
      await new Promise<void>((resolve, reject) =>
        this.docker.modem.followProgress(progress, (error: Error | null, events: Array<{ error?: string }>) => {
          // the engine reports a failed pull as an event in a successful stream
          const failure = error?.message ?? events.find((event) => event.error)?.error;
          if (failure) reject(new Error(failure));
          else resolve();
        }),
      );
    } catch (error) {
      throw new ProvisionError(`${this.label}: cannot pull image ${this.options.image}: ${messageOf(error)}`);
    }
  }

  protected async bringUp(signal: AbortSignal): Promise<ManagedRemote> {
    const { env = {}, memoryMiB, cpus } = this.options;
    const container = await this.docker.createContainer({
      Image: this.options.image,
      // an image's own entrypoint may be a service or exit at once; we only need the container to stay up
      Entrypoint: ['sleep', 'infinity'],
      Cmd: [],
      Env: Object.entries(env).map(([name, value]) => `${name}=${value}`),
      Labels: ownershipLabels(this.options.ownership),
      HostConfig: {
        Privileged: this.options.privileged ?? false,
        ...(memoryMiB !== undefined && { Memory: memoryMiB * 1024 * 1024 }),
        ...(cpus !== undefined && { NanoCpus: Math.round(cpus * 1e9) }),
        ...(this.options.networkMode !== undefined && { NetworkMode: this.options.networkMode }),
      },
    });
    try {
      signal.throwIfAborted();
      await container.start();
      signal.throwIfAborted();
    } catch (error) {
      await removeContainer(container).catch(ignoreCleanupFailure);
      throw error;
    }
    const connection = new ContainerConnection({ container: container.id, dockerHost: this.dockerHost });
    return new ManagedRemote(`container:${container.id.slice(0, 12)}`, connection, async () => {
      await connection.close();
      await removeContainer(container);
    });
  }
}
