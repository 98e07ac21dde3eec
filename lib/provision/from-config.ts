import type { ProvisionerConfig } from '../platforms/spec';
import { ContainerProvisioner } from './container';
import { LibvirtProvisioner, parseVmHostUri, type VmState } from './libvirt';
import { LocalProvisioner } from './local';
import { SshPoolProvisioner, type HostLeases, type PoolHost } from './ssh-pool';
import { TestingFarmProvisioner } from './testing-farm';
import type { Provisioner } from './types';

/** What a worker (or the CLI) knows besides the stored platform config. */
export interface ProvisionerContext {
  platformId: string;
  runId: string;
  /** Who creates the systems, e.g. the run-platform id; containers are labelled with it. */
  owner: string;
  /** The platform's decrypted secret: an SSH private key (ssh, libvirt) or an API token (testing-farm). */
  secret?: string;
  /** Required for ssh pools: PostgresHostLeases in workers, MemoryHostLeases in the CLI. */
  hostLeases?: HostLeases;
  /** Container engine address; default DOCKER_HOST, else the Docker socket. */
  dockerHost?: string;
  /** Containers' network mode, e.g. "host". */
  networkMode?: string;
  /** For local platforms: how many systems at once. */
  maxLocalSystems?: number;
  /** Progress of each libvirt VM on its way up, by the id its remote will have. */
  onVmState?(remote: string, state: VmState): void;
  /** Host keys seen for the first time (ssh pool hosts, Testing Farm systems, libvirt VM hosts). */
  onNewHostKey?(host: string, port: number, fingerprint: string): void;
}

/** Builds the provisioner a platform's config describes; a missing secret or lease store is a clear error. */
export function createProvisioner(config: ProvisionerConfig, context: ProvisionerContext): Provisioner {
  switch (config.kind) {
    case 'container':
      return new ContainerProvisioner({
        image: config.image,
        env: config.env,
        privileged: config.privileged,
        memoryMiB: config.memoryMiB,
        cpus: config.cpus,
        dockerHost: context.dockerHost,
        networkMode: context.networkMode,
        ownership: { runId: context.runId, platformId: context.platformId, owner: context.owner },
      });
    case 'ssh': {
      if (!context.hostLeases) throw new Error('ssh platform: a host lease store is needed (hostLeases)');
      return new SshPoolProvisioner({
        platformId: context.platformId,
        hosts: config.hosts,
        privateKey: requireSecret(context, 'ssh', 'an SSH private key'),
        resetCommand: config.resetCommand,
        hostKeyFingerprints: config.hostKeyFingerprints,
        onNewHostKey: (host: PoolHost, fingerprint) => context.onNewHostKey?.(host.host, host.port, fingerprint),
        leases: context.hostLeases,
        holderPrefix: context.owner,
      });
    }
    case 'testing-farm':
      return new TestingFarmProvisioner({
        token: requireSecret(context, 'testing-farm', 'a Testing Farm API token'),
        compose: config.compose,
        arch: config.arch,
        pool: config.pool,
        apiUrl: config.apiUrl,
        onNewHostKey: (guest, fingerprint) => context.onNewHostKey?.(guest.host, guest.port, fingerprint),
      });
    case 'libvirt':
      return new LibvirtProvisioner({
        host: parseVmHostUri(config.uri),
        domains: config.domains,
        pool: config.pool,
        template: config.template,
        user: config.user,
        hostKeyFingerprint: config.hostKeyFingerprint,
        privateKey: requireSecret(context, 'libvirt', 'an SSH private key'),
        owner: context.owner,
        onNewHostKey: context.onNewHostKey,
        onVmState: context.onVmState,
      });
    case 'local':
      return new LocalProvisioner({ maxSystems: context.maxLocalSystems });
  }
}

function requireSecret(context: ProvisionerContext, kind: string, what: string): string {
  if (!context.secret?.trim()) throw new Error(`${kind} platform: secret is missing (it must hold ${what})`);
  return context.secret;
}
