import { setTimeout as sleep } from 'node:timers/promises';
import { SshConnection, type DestinationCheck } from '../../connection/ssh';
import type { FetchFunction } from '../../network/checked-fetch';
import { backoffDelay, type BackoffPolicy } from '../shared/backoff';
import { BackgroundProvisioner } from '../shared/background-provisioner';
import { ManagedRemote } from '../shared/managed-remote';
import { ProvisionError } from '../types';
import { aliveStates, TestingFarmApi, type TestingFarmRequest } from './api-client';
import { generateEphemeralKey, type SshKeyPair } from './ephemeral-key';
import { findGuestAddress, reservationRequest, type GuestAddress } from './reservation';
import { ignoreCleanupFailure, messageOf } from '../../../shared/errors';

export { aliveStates, defaultApiUrl, TestingFarmApi, TestingFarmApiError, type TestingFarmRequest } from './api-client';
export { keyPairFromPrivateKey, type SshKeyPair } from './ephemeral-key';
export type { GuestAddress } from './reservation';

export interface TestingFarmProvisionerOptions {
  /** The platform's secret. */
  token: string;
  compose: string;
  arch?: string;
  pool?: string;
  /** Default: the public Testing Farm API. */
  apiUrl?: string;
  /** How long a request may live in all (queue, install, reservation), in minutes. Default 720. */
  durationMinutes?: number;
  /** Source network allowed to reach the systems, e.g. "203.0.113.7/32", where the ranch firewalls them. */
  sshSourceCidr?: string;
  /** The key pair the systems are reserved for; default a fresh ephemeral one. */
  sshKey?: SshKeyPair;
  /** Reports the host key of each reserved system (accepted on first sight). */
  onNewHostKey?(guest: GuestAddress, fingerprint: string): void;
  /** Reports each submitted request, e.g. for logs and events. */
  onRequestSubmitted?(requestId: string): void;
  /** How often a request and its pipeline log are checked while provisioning. Default 5 s growing to 30 s. */
  poll?: BackoffPolicy;
  /** Login attempts until the reservation has installed our key. Default 2 s growing to 15 s. */
  sshRetry?: BackoffPolicy;
  /** Give up logging in after this long once the guest is known. Default 30 minutes. */
  sshReadyTimeoutMs?: number;
  /** Retries of each API call on network errors and 5xx. Default 8, 1 s growing to 60 s. */
  apiRetries?: number;
  apiRetryBackoff?: BackoffPolicy;
  /** How API calls are sent (checked against the operator's outbound policy on workers). */
  fetch?: FetchFunction;
  /** Checks each reserved system's address before logging in. */
  destinations?: DestinationCheck;
}

/**
 * Systems reserved through Testing Farm's HTTP API: each remote is one
 * request running the reservation test with our (per-provisioner, ephemeral)
 * SSH key; releasing the remote cancels the request.
 */
export class TestingFarmProvisioner extends BackgroundProvisioner<ManagedRemote> {
  readonly label: string;
  private readonly api: TestingFarmApi;
  private readonly key: SshKeyPair;
  private readonly poll: BackoffPolicy;
  private readonly sshRetry: BackoffPolicy;

  constructor(private readonly options: TestingFarmProvisionerOptions) {
    super();
    if (!options.token.trim()) throw new Error('testing-farm provisioner: token (the platform secret) is empty');
    if (!options.compose.trim()) throw new Error('testing-farm provisioner: compose must not be empty');
    this.label = `testing-farm ${options.compose} ${options.arch ?? 'x86_64'}`;
    this.api = new TestingFarmApi({
      apiUrl: options.apiUrl,
      token: options.token,
      retries: options.apiRetries,
      retryBackoff: options.apiRetryBackoff,
      fetch: options.fetch,
    });
    this.key = options.sshKey ?? generateEphemeralKey('testyard');
    this.poll = options.poll ?? { initialMs: 5_000, maxMs: 30_000 };
    this.sshRetry = options.sshRetry ?? { initialMs: 2_000, maxMs: 15_000 };
  }

  /** Fails fast on a refused token or an unreachable API. */
  override async start(): Promise<void> {
    await this.api.whoami();
  }

  protected async bringUp(signal: AbortSignal): Promise<ManagedRemote> {
    const durationMinutes = this.options.durationMinutes ?? 720;
    const submitted = await this.api.submitRequest(
      reservationRequest({
        compose: this.options.compose,
        arch: this.options.arch ?? 'x86_64',
        pool: this.options.pool,
        publicKey: this.key.publicKey,
        durationMinutes,
        sshSourceCidr: this.options.sshSourceCidr,
      }),
      signal,
    );
    const requestId = submitted.id;
    this.options.onRequestSubmitted?.(requestId);
    // cancelling must not be cut short by the stop that aborted `signal`
    const cancel = () => this.api.cancelRequest(requestId);
    try {
      signal.throwIfAborted();
      const guest = await this.waitForGuest(requestId, signal);
      const connection = await this.logIn(requestId, guest, signal);
      return new ManagedRemote(`testing-farm:${requestId}`, connection, async () => {
        await connection.close().catch(ignoreCleanupFailure);
        await cancel();
      });
    } catch (error) {
      await cancel().catch(ignoreCleanupFailure);
      throw error;
    }
  }

  private async waitForGuest(requestId: string, signal: AbortSignal): Promise<GuestAddress> {
    for (let attempt = 0; ; attempt++) {
      const request = await this.api.getRequest(requestId, signal);
      this.assertAlive(request);
      const artifacts = request.state === 'running' ? request.run?.artifacts : undefined;
      if (artifacts) {
        const log = await this.api.fetchArtifact(`${artifacts.replace(/\/+$/, '')}/pipeline.log`, signal);
        const guest = log === null ? null : findGuestAddress(log);
        if (guest) return guest;
      }
      await sleep(backoffDelay(this.poll, attempt), undefined, { signal });
    }
  }

  /** Logging in fails until the reservation test has installed our key: retry while the request lives. */
  private async logIn(requestId: string, guest: GuestAddress, signal: AbortSignal): Promise<SshConnection> {
    const deadline = Date.now() + (this.options.sshReadyTimeoutMs ?? 30 * 60_000);
    for (let attempt = 0; ; attempt++) {
      const connection = new SshConnection({
        host: guest.host,
        port: guest.port,
        username: guest.user,
        privateKey: this.key.privateKey,
        hostKey: { kind: 'accept-new' },
        destinations: this.options.destinations,
      });
      try {
        await connection.connect();
        const fingerprint = connection.hostKeyFingerprint;
        if (fingerprint) this.options.onNewHostKey?.(guest, fingerprint);
        return connection;
      } catch (error) {
        connection.disconnect();
        if (Date.now() >= deadline) {
          throw new ProvisionError(
            `${this.label}: request ${requestId}: cannot log in to ${guest.user}@${guest.host}:${guest.port}: ${messageOf(error)}`,
          );
        }
      }
      await sleep(backoffDelay(this.sshRetry, attempt), undefined, { signal });
      this.assertAlive(await this.api.getRequest(requestId, signal));
    }
  }

  private assertAlive(request: TestingFarmRequest): void {
    if (aliveStates.has(request.state)) return;
    const summary = request.result?.summary ? `: ${request.result.summary}` : '';
    throw new ProvisionError(`${this.label}: request ${request.id} ended (${request.state}) before the system was ready${summary}`);
  }
}
