import type { ProvisionerConfig } from './config';
import { normaliseApiUrl } from '../network/endpoints';
import type { OutboundPolicy } from '../network/outbound';
import type { VmState } from './libvirt';
import type { HostLeases, PoolHost } from './ssh-pool';
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
  /** Where SSH hosts, Testing Farm and its systems may be: the operator's policy on workers and the web server; no limit when absent (the command line). */
  outbound?: OutboundPolicy;
  /** Testing Farm endpoints the operator allows; the platform's apiUrl must be one of them (the first when it names none). */
  testingFarmUrls?: readonly string[];
  /** Progress of each libvirt VM on its way up, by the id its remote will have. */
  onVmState?(remote: string, state: VmState): void;
  /** Host keys seen for the first time (ssh pool hosts, Testing Farm systems, libvirt VM hosts). */
  onNewHostKey?(host: string, port: number, fingerprint: string): void;
}

/**
 * Builds the provisioner a platform's config describes; a missing secret or
 * lease store is a clear error. Each kind's module is loaded when first
 * needed: dockerode (with gRPC and protobuf) and ssh2 take longer to load
 * than a local run of a few hundred tests takes to schedule.
 */
export async function createProvisioner(config: ProvisionerConfig, context: ProvisionerContext): Promise<Provisioner> {
  switch (config.kind) {
    case 'container': {
      const { ContainerProvisioner } = await import('./container');
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
    }
    case 'ssh': {
      if (!context.hostLeases) throw new Error('ssh platform: a host lease store is needed (hostLeases)');
      const privateKey = requireSecret(context, 'ssh', 'an SSH private key');
      const { SshPoolProvisioner } = await import('./ssh-pool');
      return new SshPoolProvisioner({
        platformId: context.platformId,
        hosts: config.hosts,
        privateKey,
        resetCommand: config.resetCommand,
        hostKeyFingerprints: config.hostKeyFingerprints,
        onNewHostKey: (host: PoolHost, fingerprint) => context.onNewHostKey?.(host.host, host.port, fingerprint),
        leases: context.hostLeases,
        holderPrefix: context.owner,
        destinations: context.outbound,
      });
    }
    case 'testing-farm': {
      const token = requireSecret(context, 'testing-farm', 'a Testing Farm API token');
      const { TestingFarmProvisioner } = await import('./testing-farm');
      // undici, which the checked fetch is built on, is as slow to load
      const fetch = context.outbound ? (await import('../network/checked-fetch')).checkedFetch(context.outbound) : undefined;
      return new TestingFarmProvisioner({
        token,
        compose: config.compose,
        arch: config.arch,
        pool: config.pool,
        apiUrl: testingFarmEndpoint(config.apiUrl, context.testingFarmUrls),
        fetch,
        destinations: context.outbound,
        onNewHostKey: (guest, fingerprint) => context.onNewHostKey?.(guest.host, guest.port, fingerprint),
      });
    }
    case 'libvirt': {
      const { LibvirtProvisioner, parseVmHostUri } = await import('./libvirt');
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
        destinations: context.outbound,
      });
    }
    case 'local': {
      const { LocalProvisioner } = await import('./local');
      return new LocalProvisioner({ maxSystems: context.maxLocalSystems });
    }
  }
}

/** The platform's Testing Farm API, refused unless the operator lists it: the token goes wherever this points. */
function testingFarmEndpoint(apiUrl: string | undefined, allowed: readonly string[] | undefined): string | undefined {
  if (!allowed) return apiUrl;
  const wanted = apiUrl ? normaliseApiUrl(apiUrl) : allowed[0];
  if (!wanted || !allowed.includes(wanted))
    throw new Error(`testing-farm platform: ${apiUrl} is not a Testing Farm endpoint this server allows`);
  return wanted;
}

function requireSecret(context: ProvisionerContext, kind: string, what: string): string {
  if (!context.secret?.trim()) throw new Error(`${kind} platform: secret is missing (it must hold ${what})`);
  return context.secret;
}
