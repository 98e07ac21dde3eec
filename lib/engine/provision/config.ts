/**
 * What each provisioner kind is configured with: a platform's stored
 * config (validated where it enters, lib/server/platforms/spec.ts) or what
 * the command line builds. `createProvisioner` (./from-config.ts) turns one
 * into a provisioner.
 */
export type ProvisionerConfig =
  | { kind: 'container'; image: string; env: Record<string, string>; privileged: boolean; memoryMiB?: number; cpus?: number }
  | {
      kind: 'ssh';
      hosts: { host: string; port: number; user: string }[];
      /** Run on a host when its lease ends, e.g. to roll back a snapshot. */
      resetCommand?: string;
      /** Infrastructure failures in a row after which the service takes a host out of the pool (the engine ignores it). */
      quarantineAfter?: number;
      /** Pinned host keys by `host:port` (or host), `SHA256:...`. */
      hostKeyFingerprints: Record<string, string>;
    }
  | { kind: 'testing-farm'; compose: string; arch: string; apiUrl?: string; pool?: string }
  | {
      kind: 'libvirt';
      /** qemu:///system or qemu+ssh://USER@HOST[:PORT]/system. */
      uri: string;
      /** Glob over the names of the pre-created domains. */
      domains: string;
      pool: string;
      template: string;
      user: string;
      hostKeyFingerprint?: string;
    }
  | { kind: 'local' };

export type ProvisionerKind = ProvisionerConfig['kind'];
