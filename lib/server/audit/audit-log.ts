import type { Prisma } from '../../generated/prisma/client';
import type { Actor } from '../access/actor';
import { requireTeamRole } from '../access/team-access';
import type { Db, Transaction } from '../db/client';

export interface AuditChange {
  teamId: string;
  /** null for what the system did by itself (e.g. a waiver expiring) */
  actorId: string | null;
  /** `<subject>.<verb>`, e.g. `comment.edited` */
  action: string;
  subjectType: string;
  subjectId: string;
  /** what changed, never a secret */
  details?: Prisma.InputJsonObject;
}

/** Record a change in the same transaction that makes it, so the log never misses or invents one. */
export async function recordAudit(tx: Db | Transaction, change: AuditChange): Promise<void> {
  await tx.auditEntry.create({ data: { ...change, details: change.details ?? {} } });
}

export interface AuditEntryView {
  id: string;
  actor: { id: string; name: string } | null;
  action: string;
  subjectType: string;
  subjectId: string;
  details: Prisma.JsonValue;
  createdAt: Date;
}

/** Newest first, keyset-paged by entry id; admins read their team's log. */
export async function listAuditEntries(
  db: Db,
  actor: Actor,
  teamSlug: string,
  page: { before?: bigint; limit: number; subjectType?: string; subjectId?: string },
): Promise<AuditEntryView[]> {
  const { team } = await requireTeamRole(db, actor, teamSlug, 'admin');
  const entries = await db.auditEntry.findMany({
    where: {
      teamId: team.id,
      ...(page.before === undefined ? {} : { id: { lt: page.before } }),
      ...(page.subjectType ? { subjectType: page.subjectType } : {}),
      ...(page.subjectId ? { subjectId: page.subjectId } : {}),
    },
    orderBy: { id: 'desc' },
    take: page.limit,
  });
  const actorIds = [...new Set(entries.flatMap((entry) => (entry.actorId ? [entry.actorId] : [])))];
  const users = new Map(
    (await db.user.findMany({ where: { id: { in: actorIds } }, select: { id: true, name: true } })).map((user) => [user.id, user]),
  );
  return entries.map((entry) => ({
    id: entry.id.toString(),
    actor: entry.actorId ? (users.get(entry.actorId) ?? null) : null,
    action: entry.action,
    subjectType: entry.subjectType,
    subjectId: entry.subjectId,
    details: entry.details,
    createdAt: entry.createdAt,
  }));
}
