import { mkdtemp, rm } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import path from 'node:path';
import { LocalConnection } from '../../connection/local';
import { BackgroundProvisioner } from '../shared/background-provisioner';
import { ManagedRemote } from '../shared/managed-remote';
import { Slots } from './slots';

export interface LocalProvisionerOptions {
  /** How many "systems" may be handed out at once; default: the number of CPUs. */
  maxSystems?: number;
  /** Where each system's work directory is created; default: the OS temp dir. */
  baseDir?: string;
}

/** One share of the worker host: a local connection and a private work directory, removed on release. */
export class LocalRemote extends ManagedRemote {
  constructor(
    id: string,
    connection: LocalConnection,
    readonly workDir: string,
    dispose: () => Promise<void>,
  ) {
    super(id, connection, dispose);
  }
}

/**
 * The worker host itself, shared by up to `maxSystems` remotes at a time.
 * Whether local runs are allowed at all is decided above the library (admin-only, TESTYARD_ENABLE_LOCAL).
 */
export class LocalProvisioner extends BackgroundProvisioner<LocalRemote> {
  readonly label = 'local';
  readonly capacity: number;
  private readonly slots: Slots;
  private readonly baseDir: string;
  private counter = 0;

  constructor(options: LocalProvisionerOptions = {}) {
    super();
    const maxSystems = options.maxSystems ?? availableParallelism();
    if (!Number.isInteger(maxSystems) || maxSystems < 1) {
      throw new Error(`local provisioner: maxSystems must be a positive integer, got ${maxSystems}`);
    }
    this.slots = new Slots(maxSystems);
    this.capacity = maxSystems;
    this.baseDir = options.baseDir ?? tmpdir();
  }

  protected async bringUp(signal: AbortSignal): Promise<LocalRemote> {
    await this.slots.take(signal);
    let workDir: string;
    try {
      workDir = await mkdtemp(path.join(this.baseDir, 'testyard-local-'));
    } catch (error) {
      this.slots.free();
      throw error;
    }
    const connection = new LocalConnection();
    return new LocalRemote(`local:${++this.counter}`, connection, workDir, async () => {
      await connection.close();
      await rm(workDir, { recursive: true, force: true });
      this.slots.free();
    });
  }
}
