/**
 * Exclusive, expiring leases on a platform's hosts, shared by everyone who
 * provisions from the pool (every worker, with the PostgreSQL implementation).
 * A holder that stops renewing (it died) loses its lease when it expires.
 * Hosts are named by `hostKey()`.
 */
export interface HostLeases {
  /** Leases one of `hosts` that is free or whose lease expired, to `holder`; null when every one is held. */
  acquire(platformId: string, hosts: readonly string[], holder: string, ttlMs: number): Promise<string | null>;
  /** Extends `holder`'s lease by `ttlMs` from now; false when it no longer holds the host (it expired and was taken). */
  renew(platformId: string, host: string, holder: string, ttlMs: number): Promise<boolean>;
  /** Ends `holder`'s lease (nothing happens when someone else holds the host now). */
  release(platformId: string, host: string, holder: string): Promise<void>;
  /**
   * Calls `listener` whenever a lease of the platform ends through this
   * object, so waiters in this process retry at once. Leases ended by other
   * processes or by expiry are not reported: waiters also re-check on a timer.
   * Returns the unsubscribe function.
   */
  onRelease(platformId: string, listener: () => void): () => void;
}

/** How a pool host is named in leases: `host:port`, so one address may serve several ports. */
export function hostKey(host: { host: string; port: number }): string {
  return `${host.host}:${host.port}`;
}
