import type { HostLeases } from './host-leases';
import { ReleaseListeners } from './release-listeners';

interface Lease {
  holder: string;
  expiresAt: number;
}

/** Leases kept in this process's memory: enough for the CLI, where one process owns the pool. */
export class MemoryHostLeases implements HostLeases {
  private readonly leases = new Map<string, Lease>();
  private readonly listeners = new ReleaseListeners();

  async acquire(platformId: string, hosts: readonly string[], holder: string, ttlMs: number): Promise<string | null> {
    const now = Date.now();
    for (const host of hosts) {
      const lease = this.leases.get(leaseKey(platformId, host));
      if (lease && lease.expiresAt >= now) continue;
      this.leases.set(leaseKey(platformId, host), { holder, expiresAt: now + ttlMs });
      return host;
    }
    return null;
  }

  async renew(platformId: string, host: string, holder: string, ttlMs: number): Promise<boolean> {
    const lease = this.leases.get(leaseKey(platformId, host));
    if (lease?.holder !== holder) return false;
    lease.expiresAt = Date.now() + ttlMs;
    return true;
  }

  async release(platformId: string, host: string, holder: string): Promise<void> {
    const key = leaseKey(platformId, host);
    if (this.leases.get(key)?.holder !== holder) return;
    this.leases.delete(key);
    this.listeners.notify(platformId);
  }

  onRelease(platformId: string, listener: () => void): () => void {
    return this.listeners.add(platformId, listener);
  }
}

function leaseKey(platformId: string, host: string): string {
  return `${platformId}\0${host}`;
}
