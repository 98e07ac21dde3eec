/** Per-platform listeners for "a lease ended here", shared by the HostLeases implementations. */
export class ReleaseListeners {
  private readonly listeners = new Map<string, Set<() => void>>();

  add(platformId: string, listener: () => void): () => void {
    let platformListeners = this.listeners.get(platformId);
    if (!platformListeners) {
      platformListeners = new Set();
      this.listeners.set(platformId, platformListeners);
    }
    platformListeners.add(listener);
    return () => {
      platformListeners.delete(listener);
      if (platformListeners.size === 0) this.listeners.delete(platformId);
    };
  }

  notify(platformId: string): void {
    for (const listener of [...(this.listeners.get(platformId) ?? [])]) listener();
  }
}
