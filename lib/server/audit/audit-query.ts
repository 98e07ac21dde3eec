import { z } from 'zod';
import type { Actor } from '../access/actor';
import type { Db } from '../db/client';
import { parseInput } from '../validation';
import { listAuditEntries, type AuditEntryView } from './audit-log';

export const auditQuery = z.object({
  /** the id of the oldest entry already shown */
  before: z
    .string()
    .regex(/^\d{1,18}$/, 'an audit entry id')
    .transform((value) => BigInt(value))
    .optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  subjectType: z.string().min(1).max(100).optional(),
  subjectId: z.string().min(1).max(200).optional(),
});

/** A page of the team's audit log from URL query parameters. */
export async function auditPage(db: Db, actor: Actor, teamSlug: string, query: unknown): Promise<AuditEntryView[]> {
  return listAuditEntries(db, actor, teamSlug, parseInput(auditQuery, query, 'query'));
}
