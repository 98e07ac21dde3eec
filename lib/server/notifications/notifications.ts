import { z } from 'zod';
import type { Actor } from '../access/actor';
import type { Db, Transaction } from '../db/client';
import { publicUrl } from '../config';
import { sendMail } from '../mail/mailer';
import type { LiveBroadcaster } from '../runs/events';
import { parseInput } from '../validation';
import { collaborationEventNames, type NotificationCount } from '../../shared/events/collaboration';
import { resultPath } from '../../shared/result-paths';
import { rooms } from '../../shared/rooms';

/** Creates the inbox entries of a comment's mentions (once per person and comment); returns the new ones' ids, to deliver after the commit. */
export async function notifyMentions(tx: Transaction, commentId: string, userIds: readonly string[]): Promise<string[]> {
  if (userIds.length === 0) return [];
  const created = await tx.notification.createManyAndReturn({
    data: userIds.map((userId) => ({ userId, commentId })),
    skipDuplicates: true,
    select: { id: true },
  });
  return created.map((item) => item.id);
}

const notificationFields = {
  id: true,
  userId: true,
  readAt: true,
  createdAt: true,
  user: { select: { email: true } },
  comment: {
    select: {
      id: true,
      body: true,
      platform: true,
      testName: true,
      author: { select: { name: true } },
      run: { select: { number: true, team: { select: { slug: true, name: true } } } },
    },
  },
} as const;

type NotificationRow = {
  id: string;
  readAt: Date | null;
  createdAt: Date;
  comment: {
    id: string;
    body: string;
    platform: string | null;
    testName: string | null;
    author: { name: string } | null;
    run: { number: number; team: { slug: string; name: string } };
  };
};

export interface NotificationView {
  id: string;
  read: boolean;
  createdAt: Date;
  team: { slug: string; name: string };
  run: number;
  platform: string | null;
  test: string | null;
  author: string | null;
  excerpt: string;
  /** the comment on its page, relative to the server */
  link: string;
}

function commentLink({ comment }: NotificationRow): string {
  const { slug } = comment.run.team;
  const page =
    comment.platform !== null && comment.testName !== null
      ? resultPath(slug, comment.run.number, comment.platform, comment.testName)
      : `/t/${encodeURIComponent(slug)}/runs/${comment.run.number}`;
  return `${page}#comment-${comment.id}`;
}

function view(row: NotificationRow): NotificationView {
  return {
    id: row.id,
    read: row.readAt !== null,
    createdAt: row.createdAt,
    team: row.comment.run.team,
    run: row.comment.run.number,
    platform: row.comment.platform,
    test: row.comment.testName,
    author: row.comment.author?.name ?? null,
    excerpt: row.comment.body.length > 200 ? `${row.comment.body.slice(0, 200)}…` : row.comment.body,
    link: commentLink(row),
  };
}

/** After the commit: the mentioned see their unread count go up at once, and get a mail. */
export async function deliverNotifications(db: Db, ids: readonly string[], live?: LiveBroadcaster): Promise<void> {
  if (ids.length === 0) return;
  const rows = await db.notification.findMany({ where: { id: { in: [...ids] } }, select: notificationFields });
  await announceUnreadCounts(
    db,
    rows.map((row) => row.userId),
    live,
  );
  const mails = rows.map((row) => {
    const { comment } = row;
    const where = comment.testName
      ? `${comment.testName} on ${comment.platform} in run #${comment.run.number}`
      : `run #${comment.run.number}`;
    return sendMail({
      to: row.user.email,
      subject: `${comment.author?.name ?? 'Someone'} mentioned you on ${where} (${comment.run.team.name})`,
      text: `${comment.author?.name ?? 'Someone'} wrote:\n\n${comment.body}\n\n${publicUrl()}${commentLink(row)}\n`,
    });
  });
  for (const outcome of await Promise.allSettled(mails)) {
    if (outcome.status === 'rejected') console.error(`web: a mention mail was not sent: ${(outcome.reason as Error).message}`);
  }
}

/** Tells each user's open pages their unread count. */
export async function announceUnreadCounts(db: Db, userIds: readonly string[], live?: LiveBroadcaster): Promise<void> {
  if (!live) return;
  for (const userId of new Set(userIds)) {
    const count: NotificationCount = { unread: await db.notification.count({ where: { userId, readAt: null } }) };
    live.to(rooms.user(userId)).emit(collaborationEventNames.notifications, count);
  }
}

/** An API token sees only its own team's notifications. */
function ownedBy(actor: Actor) {
  return { userId: actor.userId, ...(actor.tokenTeamId ? { comment: { run: { teamId: actor.tokenTeamId } } } : {}) };
}

export const notificationQuery = z.object({
  before: z.string().max(40).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  unread: z.enum(['true', 'false']).optional(),
});

/** Newest first; `before` is the id of the last one already shown. */
export async function listNotifications(
  db: Db,
  actor: Actor,
  query: unknown,
): Promise<{ unread: number; notifications: NotificationView[] }> {
  const { before, limit, unread } = parseInput(notificationQuery, query, 'query');
  const cursor = before ? await db.notification.findFirst({ where: { id: before, ...ownedBy(actor) }, select: { createdAt: true } }) : null;
  const rows = await db.notification.findMany({
    where: {
      ...ownedBy(actor),
      ...(unread === 'true' ? { readAt: null } : {}),
      ...(cursor ? { createdAt: { lt: cursor.createdAt } } : {}),
    },
    select: notificationFields,
    orderBy: { createdAt: 'desc' },
    take: limit,
  });
  return { unread: await db.notification.count({ where: { ...ownedBy(actor), readAt: null } }), notifications: rows.map(view) };
}

export const markReadInput = z.union([
  z.object({ ids: z.array(z.string().max(40)).min(1).max(200) }).strict(),
  z.object({ all: z.literal(true) }).strict(),
]);

export async function markNotificationsRead(db: Db, actor: Actor, input: unknown, live?: LiveBroadcaster): Promise<NotificationCount> {
  const parsed = parseInput(markReadInput, input, 'notifications');
  await db.notification.updateMany({
    where: { ...ownedBy(actor), readAt: null, ...('ids' in parsed ? { id: { in: parsed.ids } } : {}) },
    data: { readAt: new Date() },
  });
  await announceUnreadCounts(db, [actor.userId], live);
  return { unread: await db.notification.count({ where: { ...ownedBy(actor), readAt: null } }) };
}
