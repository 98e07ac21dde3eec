import type { ProvisionerConfig } from './spec';
import { localLibvirtEnabled, localPlatformsEnabled } from '../config';

/**
 * Platforms that act on the worker host itself — running tests on it
 * (local), or driving its own libvirt (qemu:///system) — need the server
 * administrator's consent. Returns why a platform is refused, or null.
 */
export function workerHostRefusal(config: ProvisionerConfig): string | null {
  if (config.kind === 'local' && !localPlatformsEnabled()) {
    return 'local platforms run tests on the worker host itself; the server administrator must enable them (TESTYARD_ENABLE_LOCAL=1)';
  }
  if (config.kind === 'libvirt' && config.uri === 'qemu:///system' && !localLibvirtEnabled()) {
    return "qemu:///system drives the worker host's own libvirt; the server administrator must enable it (TESTYARD_ENABLE_LOCAL_LIBVIRT=1)";
  }
  return null;
}
