import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import type { FetchFunction } from '../../network/checked-fetch';
import { backoffDelay, type BackoffPolicy } from '../shared/backoff';
import { ProvisionError } from '../types';

export const defaultApiUrl = 'https://api.testing-farm.io';

/** Request states; new, queued and running are alive, the others final. */
export const aliveStates: ReadonlySet<string> = new Set(['new', 'queued', 'running']);

/** A request as the API describes it; fields this client does not use are kept as they came. */
const requestSchema = z.looseObject({
  id: z.string().min(1),
  state: z.string(),
  created: z.string().nullish(),
  token_id: z.string().nullish(),
  test: z
    .looseObject({
      fmf: z.looseObject({ url: z.string().nullish() }).nullish(),
      tmt: z.looseObject({ url: z.string().nullish() }).nullish(),
    })
    .nullish(),
  environments_requested: z
    .array(z.looseObject({ arch: z.string().nullish(), os: z.looseObject({ compose: z.string().nullish() }).nullish() }))
    .nullish(),
  result: z.looseObject({ overall: z.string().nullish(), summary: z.string().nullish() }).nullish(),
  run: z.looseObject({ artifacts: z.string().nullish() }).nullish(),
});
export type TestingFarmRequest = z.infer<typeof requestSchema>;

const whoamiSchema = z.looseObject({
  token: z.looseObject({ id: z.string(), name: z.string().nullish(), ranch: z.string().nullish() }),
  user: z.looseObject({ id: z.string(), name: z.string().nullish() }),
});
export type TestingFarmIdentity = z.infer<typeof whoamiSchema>;

const composesSchema = z.looseObject({ composes: z.array(z.looseObject({ name: z.string(), type: z.string().nullish() })) });

/** Filters of GET /requests; `state` is required by the API. Times are ISO 8601, UTC. */
export interface RequestSearch {
  state: string;
  ranch?: string;
  tokenId?: string;
  userId?: string;
  createdBefore?: string;
  createdAfter?: string;
}

/** What DELETE /requests/{id} did: cancelled it, found it already finished, or found no such request. */
export type CancelOutcome = 'cancelled' | 'finished' | 'not-found';

/** An HTTP error from the API that retrying will not fix, with the API's own message. */
export class TestingFarmApiError extends ProvisionError {
  constructor(
    message: string,
    readonly status: number | undefined,
  ) {
    super(message);
  }
}

export interface TestingFarmApiOptions {
  apiUrl?: string;
  /** Empty: only what needs no token (about, searching everyone's requests, reading one). */
  token: string;
  /** Retries of one call on network errors, 408, 429 and 5xx. Default 8 retries, 1 s growing to 60 s. */
  retries?: number;
  retryBackoff?: BackoffPolicy;
  /** How requests are sent: checked against the operator's outbound policy on workers. Default: plain fetch. */
  fetch?: FetchFunction;
}

type Method = 'GET' | 'POST' | 'DELETE';

/** Testing Farm's HTTP API: what reservations need, and what `testyard tf` shows. */
export class TestingFarmApi {
  readonly apiUrl: string;
  private readonly retries: number;
  private readonly retryBackoff: BackoffPolicy;
  private readonly fetch: FetchFunction;

  constructor(private readonly options: TestingFarmApiOptions) {
    this.fetch = options.fetch ?? ((url, init) => fetch(url, init));
    this.apiUrl = (options.apiUrl ?? defaultApiUrl).replace(/\/+$/, '');
    this.retries = options.retries ?? 8;
    this.retryBackoff = options.retryBackoff ?? { initialMs: 1_000, maxMs: 60_000 };
  }

  /** Who the token belongs to; the API answers 401 for a token it does not know. */
  async whoami(signal?: AbortSignal): Promise<TestingFarmIdentity> {
    return whoamiSchema.parse(await this.call('GET', '/whoami', signal));
  }

  /** The service's own description (version, release notes); needs no token. */
  async about(signal?: AbortSignal): Promise<Record<string, unknown>> {
    return z.record(z.string(), z.unknown()).parse(await this.call('GET', '/about', signal, undefined, { auth: false }));
  }

  /** Composes a ranch (public, redhat) offers. */
  async composes(ranch: string, signal?: AbortSignal): Promise<Array<{ name: string; type?: string | null }>> {
    const reply = await this.call('GET', `/composes/${encodeURIComponent(ranch)}`, signal, undefined, { version: 'v0.2' });
    return composesSchema.parse(reply).composes;
  }

  /** Requests matching the filters; without a token or user filter the API searches everyone's. */
  async searchRequests(search: RequestSearch, signal?: AbortSignal): Promise<TestingFarmRequest[]> {
    const query = new URLSearchParams({ state: search.state });
    for (const [name, value] of [
      ['ranch', search.ranch],
      ['token_id', search.tokenId],
      ['user_id', search.userId],
      ['created_before', search.createdBefore],
      ['created_after', search.createdAfter],
    ] as const) {
      if (value) query.set(name, value);
    }
    const reply = await this.call('GET', `/requests?${query}`, signal, undefined, { auth: Boolean(search.tokenId || search.userId) });
    // the API answers null rather than [] when nothing matches
    return z.array(requestSchema).nullable().parse(reply) ?? [];
  }

  /**
   * `signal` stops retrying but never cuts a POST short: a request the API
   * created after we stopped listening would hold a system with nobody to
   * cancel it. The caller cancels what it gets back if it has stopped meanwhile.
   */
  async submitRequest(spec: object, signal?: AbortSignal): Promise<TestingFarmRequest> {
    return requestSchema.parse(await this.call('POST', '/requests', signal, spec));
  }

  async getRequest(id: string, signal?: AbortSignal): Promise<TestingFarmRequest> {
    return requestSchema.parse(await this.call('GET', `/requests/${encodeURIComponent(id)}`, signal));
  }

  /** Cancels a request; for a provisioner, one that is already gone or finished is as good as cancelled. */
  async cancelRequest(id: string, signal?: AbortSignal): Promise<CancelOutcome> {
    try {
      await this.call('DELETE', `/requests/${encodeURIComponent(id)}`, signal);
      return 'cancelled';
    } catch (error) {
      if (error instanceof TestingFarmApiError && error.status === 404) return 'not-found';
      if (error instanceof TestingFarmApiError && error.status === 409) return 'finished';
      throw error;
    }
  }

  /** A text artifact (e.g. pipeline.log); null while it does not exist yet (404, or 403 from some artifact servers). */
  async fetchArtifact(url: string, signal?: AbortSignal): Promise<string | null> {
    const response = await this.withRetries(`GET ${url}`, signal, () => this.fetch(url, { signal }));
    if (response.status === 404 || response.status === 403) {
      await response.body?.cancel();
      return null;
    }
    if (!response.ok) throw new TestingFarmApiError(`GET ${url}: HTTP ${response.status}`, response.status);
    return response.text();
  }

  private async call(
    method: Method,
    path: string,
    signal?: AbortSignal,
    body?: object,
    { version = 'v0.1', auth = true }: { version?: string; auth?: boolean } = {},
  ): Promise<unknown> {
    const what = `${method} ${path}`;
    const response = await this.withRetries(what, signal, () =>
      this.fetch(`${this.apiUrl}/${version}${path}`, {
        method,
        signal: method === 'POST' ? undefined : signal,
        headers: {
          ...(auth && this.options.token && { Authorization: `Bearer ${this.options.token}` }),
          ...(body && { 'Content-Type': 'application/json' }),
        },
        body: body && JSON.stringify(body),
      }),
    );
    const text = await response.text();
    if (!response.ok) throw this.clientError(what, response.status, text);
    try {
      return JSON.parse(text) as unknown;
    } catch {
      // the body itself is never repeated: whatever answered may not be Testing Farm at all
      throw new TestingFarmApiError(
        `Testing Farm: ${what} answered HTTP ${response.status} with something that is not JSON`,
        response.status,
      );
    }
  }

  /** Calls `send` until it gets an answer that is not worth retrying; the last retryable answer is returned as is. */
  private async withRetries(what: string, signal: AbortSignal | undefined, send: () => Promise<Response>): Promise<Response> {
    for (let attempt = 0; ; attempt++) {
      signal?.throwIfAborted();
      let response: Response;
      try {
        response = await send();
      } catch (error) {
        if (signal?.aborted || attempt >= this.retries || refusedByPolicy(error)) {
          throw new ProvisionError(`Testing Farm: ${what} failed: ${networkReason(error)}`, { cause: error });
        }
        await sleep(backoffDelay(this.retryBackoff, attempt), undefined, { signal });
        continue;
      }
      if (!isRetryable(response.status) || attempt >= this.retries) return response;
      await response.body?.cancel();
      await sleep(backoffDelay(this.retryBackoff, attempt), undefined, { signal });
    }
  }

  private clientError(what: string, status: number, body: string): TestingFarmApiError {
    const detail = apiMessage(body);
    const prefix = `Testing Farm: ${what} answered HTTP ${status}`;
    if (status === 401 || status === 403) {
      return new TestingFarmApiError(
        `${prefix}: the API token was refused (check the platform's secret)${detail ? `: ${detail}` : ''}`,
        status,
      );
    }
    return new TestingFarmApiError(`${prefix}${detail ? `: ${detail}` : ''}`, status);
  }
}

function isRetryable(status: number): boolean {
  return status === 408 || status === 429 || status >= 500;
}

/**
 * The API answers errors as {"message": ...} or, for validation, FastAPI's
 * {"detail": ...}: that message (shortened) is shown; any other body is not.
 */
function apiMessage(body: string): string {
  try {
    const parsed = z.object({ message: z.string().optional(), detail: z.unknown().optional() }).parse(JSON.parse(body));
    const message =
      parsed.message ??
      (typeof parsed.detail === 'string' ? parsed.detail : parsed.detail === undefined ? '' : JSON.stringify(parsed.detail));
    return message.length > 300 ? `${message.slice(0, 300)}…` : message;
  } catch {
    return '';
  }
}

/** A destination the outbound policy refuses stays refused: no point asking again. */
function refusedByPolicy(error: unknown): boolean {
  return error instanceof Error && (error.cause as { code?: unknown } | undefined)?.code === 'EOUTBOUNDREFUSED';
}

function networkReason(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause instanceof Error ? `: ${error.cause.message}` : '';
  return `${error.message}${cause}`;
}
