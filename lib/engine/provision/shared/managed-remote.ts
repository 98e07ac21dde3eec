import type { Connection } from '../../connection/types';
import type { Remote } from '../types';

/**
 * A Remote whose `release()` runs its disposal exactly once, however often
 * and concurrently it is called, and tells interested parties (the
 * provisioner that tracks it) when that happens.
 */
export class ManagedRemote implements Remote {
  private releasing: Promise<void> | undefined;
  private readonly releaseListeners: Array<() => void> = [];

  constructor(
    readonly id: string,
    readonly connection: Connection,
    private readonly dispose: () => Promise<void>,
  ) {}

  get released(): boolean {
    return this.releasing !== undefined;
  }

  onRelease(listener: () => void): void {
    this.releaseListeners.push(listener);
  }

  release(): Promise<void> {
    if (!this.releasing) {
      for (const listener of this.releaseListeners) listener();
      this.releasing = this.dispose();
    }
    return this.releasing;
  }
}
