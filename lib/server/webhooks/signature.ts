import { createHmac, timingSafeEqual } from 'node:crypto';

/** The headers a webhook request carries: when it was signed, and `sha256=<hex HMAC of "<timestamp>.<body>">`. */
export const signatureHeader = 'x-testyard-signature';
export const timestampHeader = 'x-testyard-timestamp';
export const eventHeader = 'x-testyard-event';
export const deliveryHeader = 'x-testyard-delivery';

/** How old a signed request a receiver should still accept: older ones may be replays. */
export const signatureToleranceSeconds = 300;

export function signPayload(secret: string, timestamp: number, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

/** What a receiver does (documented in docs/WEBHOOKS.md): recompute, compare in constant time, refuse stale timestamps. */
export function verifySignature(
  secret: string,
  headers: { signature: string; timestamp: string },
  body: string,
  now = Date.now(),
): boolean {
  const timestamp = Number(headers.timestamp);
  if (!Number.isInteger(timestamp) || Math.abs(now / 1000 - timestamp) > signatureToleranceSeconds) return false;
  const expected = Buffer.from(signPayload(secret, timestamp, body));
  const given = Buffer.from(headers.signature);
  return expected.length === given.length && timingSafeEqual(expected, given);
}
