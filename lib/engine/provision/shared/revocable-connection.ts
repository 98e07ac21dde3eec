import type { Readable } from 'node:stream';
import { ConnectionError, type Connection, type RemoteProcess, type RunOptions } from '../../connection/types';

/**
 * A connection that can be taken away: after `revoke()` the transport is
 * dropped (running commands end as lost) and every further use fails, so a
 * host whose lease was lost is not used behind its new holder's back.
 */
export class RevocableConnection implements Connection {
  private revokedBecause: string | undefined;

  constructor(private readonly inner: Connection) {}

  get label(): string {
    return this.inner.label;
  }

  revoke(reason: string): void {
    this.revokedBecause = reason;
    this.inner.disconnect();
  }

  private check(): void {
    if (this.revokedBecause !== undefined) throw new ConnectionError(`${this.label}: ${this.revokedBecause}`);
  }

  async connect(): Promise<void> {
    this.check();
    await this.inner.connect();
  }

  async run(argv: readonly string[], options?: RunOptions): Promise<RemoteProcess> {
    this.check();
    return this.inner.run(argv, options);
  }

  async upload(tar: Readable, remoteDir: string): Promise<void> {
    this.check();
    await this.inner.upload(tar, remoteDir);
  }

  async download(remotePath: string): Promise<Readable> {
    this.check();
    return this.inner.download(remotePath);
  }

  disconnect(): void {
    this.inner.disconnect();
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}
