import type { Connection } from '../connection/types';

/** A provisioned system: a way to reach it, and a way to give it back. */
export interface Remote {
  /** Stable, human-readable identity for events and attempts, e.g. "container:3f2a9c1b" or "ssh:lab1:22". */
  readonly id: string;
  readonly connection: Connection;
  /** Gives the system back (removes the container, ends the lease, cancels the request). Safe to call twice. */
  release(): Promise<void>;
}

/**
 * Hands out remotes of one kind (atex's Provisioner). `provision(n)` is a hint
 * that n more remotes will be wanted; `getRemote()` waits for the next one.
 */
export interface Provisioner {
  /** For messages and events, e.g. "container fedora:41". */
  readonly label: string;
  /**
   * The most remotes it can have up at once (an SSH pool: its hosts; the
   * local provisioner: its systems), when it has such a limit: a request
   * beyond it would only wait for one of them to be released.
   */
  readonly capacity?: number;
  /** Prepares (connects to the API, checks the config); fails fast on a bad config. */
  start(): Promise<void>;
  /** Starts bringing up `count` more remotes in the background; never blocks or throws. */
  provision(count: number): void;
  /**
   * Resolves with the next remote that is up. Rejects with ProvisionError when
   * a requested remote could not be brought up (one rejection per failed
   * request, so callers can count failures), or with the signal's reason.
   */
  getRemote(signal?: AbortSignal): Promise<Remote>;
  /** Stops provisioning and releases every remote it handed out or is still bringing up. */
  stop(): Promise<void>;
}

export class ProvisionError extends Error {
  override readonly name = 'ProvisionError';

  constructor(
    message: string,
    options?: ErrorOptions & {
      /** The system that failed, when the provisioner knows which (an SSH pool host: `ssh:host:port`, its remote id). */
      system?: string;
    },
  ) {
    super(message, options);
    this.system = options?.system;
  }

  readonly system: string | undefined;
}
