import type PgBoss from 'pg-boss';
import type { FetchFunction } from '../lib/engine/network/checked-fetch';
import type { Db } from '../lib/server/db/client';
import { decryptSecret } from '../lib/server/secrets/cipher';
import { loadServerKeys } from '../lib/server/secrets/keys';
import { webhookDeliveryQueue, type WebhookDeliveryJob } from '../lib/server/webhooks/events';
import { deliveryHeader, eventHeader, signatureHeader, signPayload, timestampHeader } from '../lib/server/webhooks/signature';
import { webhookRetries } from '../lib/server/config';

export interface DeliverySettings {
  /** attempts in all, the first included */
  attempts: number;
  /** the wait before the first retry; each further retry waits twice as long */
  retryBaseMs: number;
  /** how long one attempt may take, answer included */
  timeoutMs: number;
}

/** TESTYARD_WEBHOOK_ATTEMPTS (6) and TESTYARD_WEBHOOK_RETRY_SECONDS (30: retries after 30 s, 1, 2, 4 and 8 min). */
export function deliverySettings(): DeliverySettings {
  const { attempts, firstRetrySeconds } = webhookRetries();
  return { attempts, retryBaseMs: firstRetrySeconds * 1000, timeoutMs: 10_000 };
}

/** The wait after failed attempt `attempt` (1-based): exponential backoff. */
export function retryDelayMs(settings: DeliverySettings, attempt: number): number {
  return settings.retryBaseMs * 2 ** (attempt - 1);
}

const answerExcerptBytes = 300;

/**
 * One attempt at one delivery: POST the signed payload, record the outcome in
 * the delivery's log row, and on failure queue the next attempt (with
 * backoff) or give up. Redirects are not followed: the signed request goes
 * to the URL the admin gave, and nowhere a receiver points it.
 */
export async function attemptDelivery(
  db: Db,
  boss: PgBoss,
  deliveryId: string,
  services: { settings: DeliverySettings; fetch: FetchFunction; now?: () => Date },
): Promise<void> {
  const now = services.now ?? (() => new Date());
  const delivery = await db.webhookDelivery.findUnique({
    where: { id: deliveryId },
    include: { webhook: { select: { url: true, secretCiphertext: true, teamId: true, enabled: true } } },
  });
  if (!delivery || delivery.status === 'delivered' || delivery.status === 'failed') return;
  const attempt = delivery.attempts + 1;
  const body = JSON.stringify(delivery.payload);
  let statusCode: number | null = null;
  let error: string | null = null;
  if (!delivery.webhook.enabled) error = 'the webhook is disabled';
  else {
    const secret = decryptSecret(loadServerKeys().encryptionKey, delivery.webhook.secretCiphertext, delivery.webhook.teamId);
    const timestamp = Math.floor(now().getTime() / 1000);
    try {
      const response = await services.fetch(delivery.webhook.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'user-agent': 'Testyard-Webhook/1',
          [eventHeader]: delivery.event,
          [deliveryHeader]: delivery.id,
          [timestampHeader]: String(timestamp),
          [signatureHeader]: signPayload(secret, timestamp, body),
        },
        body,
        redirect: 'manual',
        signal: AbortSignal.timeout(services.settings.timeoutMs),
      });
      statusCode = response.status;
      if (response.status < 200 || response.status > 299) error = `answered HTTP ${response.status}${await answerExcerpt(response)}`;
      else await response.body?.cancel();
    } catch (failure) {
      error = describeFailure(failure);
    }
  }
  const failed = error !== null;
  const retry = failed && attempt < services.settings.attempts && delivery.webhook.enabled;
  const nextAttemptAt = retry ? new Date(now().getTime() + retryDelayMs(services.settings, attempt)) : null;
  await db.webhookDelivery.update({
    where: { id: delivery.id },
    data: {
      attempts: attempt,
      status: !failed ? 'delivered' : retry ? 'retrying' : 'failed',
      lastStatusCode: statusCode,
      lastError: error,
      nextAttemptAt,
      deliveredAt: failed ? null : now(),
    },
  });
  if (nextAttemptAt)
    await boss.send(webhookDeliveryQueue, { deliveryId: delivery.id } satisfies WebhookDeliveryJob, { startAfter: nextAttemptAt });
}

async function answerExcerpt(response: Response): Promise<string> {
  const reader = response.body?.getReader();
  if (!reader) return '';
  const { value } = await reader.read().catch(() => ({ value: undefined }));
  await reader.cancel().catch(() => undefined);
  const text = value ? new TextDecoder().decode(value.slice(0, answerExcerptBytes)).trim() : '';
  return text ? `: ${text}` : '';
}

/** fetch says "fetch failed" and keeps the reason in `cause`. */
function describeFailure(failure: unknown): string {
  if (!(failure instanceof Error)) return String(failure);
  if (failure.name === 'TimeoutError') return 'no answer in time';
  const cause = failure.cause instanceof Error ? failure.cause.message : null;
  return cause && cause !== failure.message ? `${failure.message}: ${cause}` : failure.message;
}
