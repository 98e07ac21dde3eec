import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import type { Actor } from '../access/actor';
import { requireTeamRole } from '../access/team-access';
import { recordAudit } from '../audit/audit-log';
import type { Db } from '../db/client';
import { invalid, notFound } from '../errors';
import { encryptSecret } from '../secrets/cipher';
import { loadServerKeys } from '../secrets/keys';
import { operatorPolicy } from '../security/operator-policy';
import { parseInput } from '../validation';
import { webhookEventTypes } from '../../shared/webhook-events';

export const webhookLimits = { perTeam: 20, urlLength: 2000 } as const;

const url = z
  .string()
  .trim()
  .max(webhookLimits.urlLength)
  .url()
  // zod runs refinements even after .url() failed: check parsing here too
  .refine((value) => URL.canParse(value) && /^https?:$/.test(new URL(value).protocol), 'use an http or https URL');
const events = z.array(z.enum(webhookEventTypes)).min(1, 'choose at least one event').max(webhookEventTypes.length);
// Shorter secrets could be guessed from signatures.
const secret = z.string().min(16, 'a signing secret has at least 16 characters').max(200);

export const webhookInput = z.object({ url, events, secret: secret.optional(), enabled: z.boolean().optional() }).strict();
export const webhookChange = z
  .object({ url: url.optional(), events: events.optional(), secret: secret.optional(), enabled: z.boolean().optional() })
  .strict();

export interface WebhookView {
  id: string;
  url: string;
  events: string[];
  enabled: boolean;
  createdAt: Date;
  updatedAt: Date;
  /** the last delivery's outcome, if any */
  lastDelivery: { status: string; at: Date } | null;
}

const webhookFields = {
  id: true,
  url: true,
  events: true,
  enabled: true,
  createdAt: true,
  updatedAt: true,
  deliveries: { select: { status: true, createdAt: true }, orderBy: { createdAt: 'desc' }, take: 1 },
} as const;

type WebhookRow = {
  id: string;
  url: string;
  events: unknown;
  enabled: boolean;
  createdAt: Date;
  updatedAt: Date;
  deliveries: { status: string; createdAt: Date }[];
};

function view(row: WebhookRow): WebhookView {
  const last = row.deliveries[0];
  return {
    id: row.id,
    url: row.url,
    events: z.array(z.string()).catch([]).parse(row.events),
    enabled: row.enabled,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
    lastDelivery: last ? { status: last.status, at: last.createdAt } : null,
  };
}

/**
 * The operator's outbound policy, checked when the URL is saved for a clear
 * error (and again on every connection by the worker, so DNS answers that
 * change later gain nothing).
 */
async function checkDestination(value: string): Promise<void> {
  const host = new URL(value).hostname;
  try {
    await operatorPolicy().outbound.resolve(host);
  } catch (error) {
    throw invalid(`invalid webhook: url: ${(error as Error).message}`, [{ path: 'url', message: (error as Error).message }]);
  }
}

export async function listWebhooks(db: Db, actor: Actor, teamSlug: string): Promise<WebhookView[]> {
  const { team } = await requireTeamRole(db, actor, teamSlug, 'admin');
  return (await db.webhook.findMany({ where: { teamId: team.id }, select: webhookFields, orderBy: { createdAt: 'asc' } })).map(view);
}

export async function getWebhook(db: Db, actor: Actor, teamSlug: string, webhookId: string): Promise<WebhookView> {
  const { team } = await requireTeamRole(db, actor, teamSlug, 'admin');
  const row = await db.webhook.findFirst({ where: { id: webhookId, teamId: team.id }, select: webhookFields });
  if (!row) throw notFound('webhook');
  return view(row);
}

/** The signing secret is shown once, in this answer (generated when none was given). */
export async function createWebhook(db: Db, actor: Actor, teamSlug: string, input: unknown): Promise<WebhookView & { secret: string }> {
  const { team } = await requireTeamRole(db, actor, teamSlug, 'admin');
  const parsed = parseInput(webhookInput, input, 'webhook');
  await checkDestination(parsed.url);
  if ((await db.webhook.count({ where: { teamId: team.id } })) >= webhookLimits.perTeam) {
    throw invalid(`a team has at most ${webhookLimits.perTeam} webhooks`);
  }
  const signingSecret = parsed.secret ?? randomBytes(24).toString('base64url');
  const created = await db.$transaction(async (tx) => {
    const row = await tx.webhook.create({
      data: {
        teamId: team.id,
        url: parsed.url,
        events: parsed.events,
        enabled: parsed.enabled ?? true,
        secretCiphertext: encryptSecret(loadServerKeys().encryptionKey, signingSecret, team.id),
        createdById: actor.userId,
      },
      select: webhookFields,
    });
    await recordAudit(tx, {
      teamId: team.id,
      actorId: actor.userId,
      action: 'webhook.created',
      subjectType: 'webhook',
      subjectId: row.id,
      details: { url: parsed.url, events: parsed.events, enabled: row.enabled },
    });
    return row;
  });
  return { ...view(created), secret: signingSecret };
}

export async function changeWebhook(db: Db, actor: Actor, teamSlug: string, webhookId: string, input: unknown): Promise<WebhookView> {
  const { team } = await requireTeamRole(db, actor, teamSlug, 'admin');
  const parsed = parseInput(webhookChange, input, 'webhook');
  if (parsed.url) await checkDestination(parsed.url);
  return db.$transaction(async (tx) => {
    const before = await tx.webhook.findFirst({
      where: { id: webhookId, teamId: team.id },
      select: { url: true, events: true, enabled: true },
    });
    if (!before) throw notFound('webhook');
    const row = await tx.webhook.update({
      where: { id: webhookId },
      data: {
        ...(parsed.url !== undefined ? { url: parsed.url } : {}),
        ...(parsed.events !== undefined ? { events: parsed.events } : {}),
        ...(parsed.enabled !== undefined ? { enabled: parsed.enabled } : {}),
        ...(parsed.secret !== undefined ? { secretCiphertext: encryptSecret(loadServerKeys().encryptionKey, parsed.secret, team.id) } : {}),
      },
      select: webhookFields,
    });
    await recordAudit(tx, {
      teamId: team.id,
      actorId: actor.userId,
      action: 'webhook.changed',
      subjectType: 'webhook',
      subjectId: webhookId,
      details: {
        before: { url: before.url, events: z.array(z.string()).catch([]).parse(before.events), enabled: before.enabled },
        after: { url: row.url, events: z.array(z.string()).catch([]).parse(row.events), enabled: row.enabled },
        secretChanged: parsed.secret !== undefined,
      },
    });
    return view(row);
  });
}

export async function deleteWebhook(db: Db, actor: Actor, teamSlug: string, webhookId: string): Promise<void> {
  const { team } = await requireTeamRole(db, actor, teamSlug, 'admin');
  await db.$transaction(async (tx) => {
    const row = await tx.webhook.findFirst({ where: { id: webhookId, teamId: team.id }, select: { url: true, events: true } });
    if (!row) throw notFound('webhook');
    await tx.webhook.delete({ where: { id: webhookId } });
    await recordAudit(tx, {
      teamId: team.id,
      actorId: actor.userId,
      action: 'webhook.deleted',
      subjectType: 'webhook',
      subjectId: webhookId,
      details: { url: row.url, events: z.array(z.string()).catch([]).parse(row.events) },
    });
  });
}

export const deliveryQuery = z.object({
  before: z.string().max(40).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});

export interface DeliveryView {
  id: string;
  event: string;
  status: string;
  attempts: number;
  lastStatusCode: number | null;
  lastError: string | null;
  nextAttemptAt: Date | null;
  createdAt: Date;
  deliveredAt: Date | null;
  payload: unknown;
}

/** The webhook's delivery log, newest first; `before` is the id of the last one already shown. */
export async function listDeliveries(db: Db, actor: Actor, teamSlug: string, webhookId: string, query: unknown): Promise<DeliveryView[]> {
  const { team } = await requireTeamRole(db, actor, teamSlug, 'admin');
  const { before, limit } = parseInput(deliveryQuery, query, 'query');
  if (!(await db.webhook.count({ where: { id: webhookId, teamId: team.id } }))) throw notFound('webhook');
  const cursor = before ? await db.webhookDelivery.findFirst({ where: { id: before, webhookId }, select: { createdAt: true } }) : null;
  return db.webhookDelivery.findMany({
    where: { webhookId, ...(cursor ? { createdAt: { lt: cursor.createdAt } } : {}) },
    select: {
      id: true,
      event: true,
      status: true,
      attempts: true,
      lastStatusCode: true,
      lastError: true,
      nextAttemptAt: true,
      createdAt: true,
      deliveredAt: true,
      payload: true,
    },
    orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
    take: limit,
  });
}
