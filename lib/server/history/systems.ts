import type { PlatformSnapshot } from '../runs/settings';

/**
 * The system an attempt, set-up or provisioning ran on, as infrastructure
 * health counts it: an SSH host (the remote's id, `ssh:host:port`), a
 * container image, a Testing Farm compose, a libvirt domain. Null when the
 * failure names none (e.g. a libvirt reservation that failed before a domain).
 */
export function systemOf(spec: PlatformSnapshot, remoteId: string | null): string | null {
  const { config } = spec;
  switch (config.kind) {
    case 'container':
      return `image:${config.image}`;
    case 'testing-farm':
      return `compose:${config.compose}/${config.arch}`;
    case 'local':
      return 'local';
    default:
      return remoteId;
  }
}

/** The pool host a quarantined `ssh:host:port` system stands for, as host leases name it. */
export const sshSystemPrefix = 'ssh:';
