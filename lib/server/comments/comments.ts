import { z } from 'zod';
import type { Actor } from '../access/actor';
import { requireTeamRole } from '../access/team-access';
import { recordAudit } from '../audit/audit-log';
import type { Db, Transaction } from '../db/client';
import { forbidden, notFound } from '../errors';
import { findTeamRun } from '../runs/lookup';
import type { LiveBroadcaster } from '../runs/events';
import { parseInput } from '../validation';
import { announceUnreadCounts, deliverNotifications, notifyMentions } from '../notifications/notifications';
import { collaborationEventNames, type CommentChange, type CommentPayload } from '../../shared/events/collaboration';
import { mentionedNames } from '../../shared/mentions';
import { hasRole } from '../../shared/roles';
import { rooms } from '../../shared/rooms';

export const commentLimits = {
  /** Characters of Markdown in one comment. */
  bodyLength: 10_000,
  /** Team members one comment may notify. */
  mentions: 20,
} as const;

const body = z.string().trim().min(1, 'a comment needs some text').max(commentLimits.bodyLength);

/** Where a comment is: the run (no platform, no test) or one test's result page in it. */
const pageInput = z
  .object({ platform: z.string().min(1).max(200).optional(), test: z.string().min(1).max(4096).optional() })
  .refine((page) => (page.platform === undefined) === (page.test === undefined), 'give both platform and test, or neither');

export const commentInput = z.object({ body }).and(pageInput);
export const commentEdit = z.object({ body });
export const commentPageQuery = pageInput;

export type CommentView = CommentPayload & { platform: string | null; test: string | null };

const commentFields = {
  id: true,
  platform: true,
  testName: true,
  body: true,
  mentions: true,
  createdAt: true,
  updatedAt: true,
  authorId: true,
  author: { select: { id: true, name: true } },
} as const;

type CommentRow = {
  id: string;
  platform: string | null;
  testName: string | null;
  body: string;
  mentions: unknown;
  createdAt: Date;
  updatedAt: Date;
  author: { id: string; name: string } | null;
};

function view(row: CommentRow, names: Map<string, string>): CommentView {
  const mentionIds = z.array(z.string()).catch([]).parse(row.mentions);
  return {
    id: row.id,
    platform: row.platform,
    test: row.testName,
    author: row.author,
    body: row.body,
    mentions: mentionIds.flatMap((id) => (names.has(id) ? [{ id, name: names.get(id)! }] : [])),
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

async function userNames(db: Db | Transaction, rows: CommentRow[]): Promise<Map<string, string>> {
  const ids = [...new Set(rows.flatMap((row) => z.array(z.string()).catch([]).parse(row.mentions)))];
  if (ids.length === 0) return new Map();
  const users = await db.user.findMany({ where: { id: { in: ids } }, select: { id: true, name: true } });
  return new Map(users.map((user) => [user.id, user.name]));
}

type Page = { platform: string; testName: string } | { platform: null; testName: null };

function pageOf(input: { platform?: string; test?: string }): Page {
  return input.platform !== undefined && input.test !== undefined
    ? { platform: input.platform, testName: input.test }
    : { platform: null, testName: null };
}

/** The live room of the page a comment is on. */
function pageRoom(runId: string, page: Page): string {
  return page.platform === null ? rooms.page(runId) : rooms.page(runId, { platform: page.platform, test: page.testName });
}

/** A result page exists once the test has an attempt on that platform. */
async function requireResultPage(db: Db, runId: string, page: Page): Promise<void> {
  if (page.platform === null) return;
  const attempt = await db.attempt.findFirst({
    where: { runId, testName: page.testName, runPlatform: { name: page.platform } },
    select: { id: true },
  });
  if (!attempt) throw notFound('test result');
}

/** Members of the team whose names the body mentions; anything else after an @ is plain text. */
async function mentionedMembers(db: Db, teamId: string, text: string, authorId: string): Promise<string[]> {
  const names = mentionedNames(text).map((name) => name.toLowerCase());
  if (names.length === 0) return [];
  const members = await db.membership.findMany({ where: { teamId }, select: { user: { select: { id: true, name: true } } } });
  return members
    .filter(({ user }) => user.id !== authorId && names.includes(user.name.trim().toLowerCase()))
    .map(({ user }) => user.id)
    .slice(0, commentLimits.mentions);
}

export async function listComments(db: Db, actor: Actor, teamSlug: string, runRef: string, query: unknown): Promise<CommentView[]> {
  const run = await findTeamRun(db, actor, teamSlug, runRef, 'viewer');
  const page = pageOf(parseInput(commentPageQuery, query, 'query'));
  const rows = await db.comment.findMany({
    where: { runId: run.id, platform: page.platform, testName: page.testName },
    select: commentFields,
    orderBy: { createdAt: 'asc' },
    take: 1000,
  });
  const names = await userNames(db, rows);
  return rows.map((row) => view(row, names));
}

export async function createComment(
  db: Db,
  actor: Actor,
  teamSlug: string,
  runRef: string,
  input: unknown,
  live?: LiveBroadcaster,
): Promise<CommentView> {
  const run = await findTeamRun(db, actor, teamSlug, runRef, 'member');
  const parsed = parseInput(commentInput, input, 'comment');
  const page = pageOf(parsed);
  await requireResultPage(db, run.id, page);
  const mentions = await mentionedMembers(db, run.teamId, parsed.body, actor.userId);
  const { comment, notified } = await db.$transaction(async (tx) => {
    const comment = await tx.comment.create({
      data: { runId: run.id, ...page, authorId: actor.userId, body: parsed.body, mentions },
      select: commentFields,
    });
    await recordAudit(tx, {
      teamId: run.teamId,
      actorId: actor.userId,
      action: 'comment.created',
      subjectType: 'comment',
      subjectId: comment.id,
      details: { run: run.number, platform: page.platform, test: page.testName, mentions },
    });
    const notified = await notifyMentions(tx, comment.id, mentions);
    return { comment: view(comment, await userNames(tx, [comment])), notified };
  });
  announce(live, pageRoom(run.id, page), { action: 'created', comment });
  await deliverNotifications(db, notified, live);
  return comment;
}

/** The comment, checked to be in the run and changeable by the actor: its author, or (to delete) an admin. */
async function changeableComment(db: Db, actor: Actor, teamSlug: string, runRef: string, commentId: string, change: 'edit' | 'delete') {
  const { role } = await requireTeamRole(db, actor, teamSlug, 'member');
  const run = await findTeamRun(db, actor, teamSlug, runRef, 'member');
  const comment = await db.comment.findFirst({ where: { id: commentId, runId: run.id }, select: commentFields });
  if (!comment) throw notFound('comment');
  const own = comment.authorId === actor.userId;
  if (!own && !(change === 'delete' && hasRole(role, 'admin'))) {
    throw forbidden(change === 'edit' ? 'only its author edits a comment' : 'only its author or an admin deletes a comment');
  }
  return { run, comment, page: { platform: comment.platform, testName: comment.testName } as Page };
}

export async function editComment(
  db: Db,
  actor: Actor,
  teamSlug: string,
  runRef: string,
  commentId: string,
  input: unknown,
  live?: LiveBroadcaster,
): Promise<CommentView> {
  const { run, comment, page } = await changeableComment(db, actor, teamSlug, runRef, commentId, 'edit');
  const parsed = parseInput(commentEdit, input, 'comment');
  const mentions = await mentionedMembers(db, run.teamId, parsed.body, actor.userId);
  const { edited, notified } = await db.$transaction(async (tx) => {
    const updated = await tx.comment.update({ where: { id: comment.id }, data: { body: parsed.body, mentions }, select: commentFields });
    await recordAudit(tx, {
      teamId: run.teamId,
      actorId: actor.userId,
      action: 'comment.edited',
      subjectType: 'comment',
      subjectId: comment.id,
      details: { run: run.number, before: comment.body.slice(0, 1000), mentions },
    });
    // Only people newly mentioned hear of it: an edit does not notify again.
    const notified = await notifyMentions(tx, comment.id, mentions);
    return { edited: view(updated, await userNames(tx, [updated])), notified };
  });
  announce(live, pageRoom(run.id, page), { action: 'edited', comment: edited });
  await deliverNotifications(db, notified, live);
  return edited;
}

export async function deleteComment(
  db: Db,
  actor: Actor,
  teamSlug: string,
  runRef: string,
  commentId: string,
  live?: LiveBroadcaster,
): Promise<void> {
  const { run, comment, page } = await changeableComment(db, actor, teamSlug, runRef, commentId, 'delete');
  const readers = await db.$transaction(async (tx) => {
    const unread = await tx.notification.findMany({ where: { commentId: comment.id, readAt: null }, select: { userId: true } });
    await tx.comment.delete({ where: { id: comment.id } });
    await recordAudit(tx, {
      teamId: run.teamId,
      actorId: actor.userId,
      action: 'comment.deleted',
      subjectType: 'comment',
      subjectId: comment.id,
      details: { run: run.number, author: comment.author?.id ?? null, body: comment.body.slice(0, 1000) },
    });
    return unread.map((item) => item.userId);
  });
  announce(live, pageRoom(run.id, page), { action: 'deleted', id: comment.id });
  // Their unread notification went with the comment.
  await announceUnreadCounts(db, readers, live);
}

function announce(live: LiveBroadcaster | undefined, room: string, change: CommentChange): void {
  live?.to(room).emit(collaborationEventNames.comment, change);
}
