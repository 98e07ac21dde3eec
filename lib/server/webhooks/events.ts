import type PgBoss from 'pg-boss';
import type { Prisma } from '../../generated/prisma/client';
import type { Db } from '../db/client';
import { newJobsChannel } from '../runs/job-queue';
import type { WebhookEventType } from '../../shared/webhook-events';

export interface WebhookEvent {
  teamId: string;
  type: WebhookEventType;
  /**
   * The same key twice for one webhook is delivered once, e.g.
   * `run.finished:<run id>`, so two processes noticing the same thing at once
   * send it once.
   */
  dedupeKey: string;
  /** The event's own fields; `event`, `team` and `occurredAt` are added. */
  data: Prisma.InputJsonObject;
}

export const webhookDeliveryQueue = 'webhook-delivery';

export interface WebhookDeliveryJob {
  deliveryId: string;
}

const createdQueues = new WeakSet<PgBoss>();

/** pg-boss 10 sends only to queues that exist. */
export async function ensureWebhookQueue(boss: PgBoss): Promise<void> {
  if (createdQueues.has(boss)) return;
  // Retries are the delivery's own (lib/server/webhooks/delivery.ts), with the schedule shown in its log.
  await boss.createQueue(webhookDeliveryQueue, { name: webhookDeliveryQueue, retryLimit: 0, expireInMinutes: 5 });
  createdQueues.add(boss);
}

/**
 * Queues the event for every enabled webhook of its team that wants it; the
 * worker delivers. Callable from the web and the worker; the payload is
 * fixed here, so every retry sends the same bytes' content.
 */
export async function emitWebhookEvent(db: Db, boss: PgBoss, event: WebhookEvent): Promise<number> {
  const hooks = await db.webhook.findMany({
    where: { teamId: event.teamId, enabled: true, events: { array_contains: [event.type] } },
    select: { id: true, team: { select: { slug: true } } },
  });
  if (hooks.length === 0) return 0;
  const payload = { event: event.type, team: hooks[0]!.team.slug, occurredAt: new Date().toISOString(), ...event.data };
  const created = await db.webhookDelivery.createManyAndReturn({
    data: hooks.map((hook) => ({ webhookId: hook.id, event: event.type, dedupeKey: event.dedupeKey, payload, nextAttemptAt: new Date() })),
    skipDuplicates: true,
    select: { id: true },
  });
  if (created.length === 0) return 0;
  await ensureWebhookQueue(boss);
  for (const delivery of created) await boss.send(webhookDeliveryQueue, { deliveryId: delivery.id } satisfies WebhookDeliveryJob);
  await db.$executeRaw`SELECT pg_notify(${newJobsChannel}, '')`;
  return created.length;
}
