import { z } from 'zod';
import type { Actor } from '../access/actor';
import { requireTeamRole } from '../access/team-access';
import { recordAudit } from '../audit/audit-log';
import type { Db } from '../db/client';
import { invalid, notFound } from '../errors';
import { compileSafePattern, safePattern } from '../known-issues/safe-regex';
import type { TriageServices } from '../known-issues/known-issues';
import { recordRunEvents } from '../runs/events';
import { parseInput } from '../validation';
import { failureStatuses, type WaiverLabel } from '../../shared/triage';

/** A waiver may last this long at most: it is a decision to look at again. */
const longestWaiverMs = 366 * 24 * 60 * 60 * 1000;

const expiry = z.coerce.date({ message: 'must be a date and time (ISO 8601)' });

const waiverFields = {
  testPattern: safePattern,
  platformPattern: safePattern.nullable(),
  reason: z.string().trim().min(1).max(2000),
  expiresAt: expiry,
};
const createInput = z.object({ ...waiverFields, platformPattern: waiverFields.platformPattern.default(null) }).strict();
const updateInput = z.object(waiverFields).partial().strict();

export interface WaiverView {
  id: string;
  testPattern: string;
  platformPattern: string | null;
  reason: string;
  author: { id: string; name: string } | null;
  createdAt: Date;
  expiresAt: Date;
  /** An expired waiver no longer applies; it stays listed as "expired on …". */
  expired: boolean;
}

const waiverSelect = {
  id: true,
  testPattern: true,
  platformPattern: true,
  reason: true,
  createdById: true,
  createdAt: true,
  expiresAt: true,
} as const;

type WaiverRow = {
  id: string;
  testPattern: string;
  platformPattern: string | null;
  reason: string;
  createdById: string | null;
  createdAt: Date;
  expiresAt: Date;
};

async function toViews(db: Db, rows: WaiverRow[], now = new Date()): Promise<WaiverView[]> {
  const authorIds = [...new Set(rows.flatMap((row) => (row.createdById ? [row.createdById] : [])))];
  const authors = new Map(
    (await db.user.findMany({ where: { id: { in: authorIds } }, select: { id: true, name: true } })).map((user) => [user.id, user]),
  );
  return rows.map(({ createdById, ...row }) => ({
    ...row,
    author: createdById ? (authors.get(createdById) ?? null) : null,
    expired: row.expiresAt <= now,
  }));
}

export async function listWaivers(db: Db, actor: Actor, teamSlug: string): Promise<WaiverView[]> {
  const { team } = await requireTeamRole(db, actor, teamSlug, 'viewer');
  const rows = await db.waiver.findMany({ where: { teamId: team.id }, orderBy: [{ expiresAt: 'desc' }], select: waiverSelect });
  return toViews(db, rows);
}

function checkExpiry(expiresAt: Date, now: Date): void {
  const problem =
    expiresAt <= now ? 'must be in the future' : expiresAt.getTime() - now.getTime() > longestWaiverMs ? 'must be within a year' : null;
  if (problem) throw invalid(`invalid waiver: expiresAt: ${problem}`, [{ path: 'expiresAt', message: problem }]);
}

/** A member waives failures of matching tests on matching platforms until `expiresAt`. */
export async function createWaiver(
  db: Db,
  actor: Actor,
  teamSlug: string,
  input: unknown,
  services: TriageServices = {},
): Promise<WaiverView> {
  const { team } = await requireTeamRole(db, actor, teamSlug, 'member');
  const fields = parseInput(createInput, input, 'waiver');
  checkExpiry(fields.expiresAt, new Date());
  const row = await db.$transaction(async (tx) => {
    const created = await tx.waiver.create({ data: { ...fields, teamId: team.id, createdById: actor.userId }, select: waiverSelect });
    await recordAudit(tx, {
      teamId: team.id,
      actorId: actor.userId,
      action: 'waiver.created',
      subjectType: 'waiver',
      subjectId: created.id,
      details: { ...fields, expiresAt: fields.expiresAt.toISOString() },
    });
    return created;
  });
  await announceTriageChange(db, team.id, 'a waiver was created', services);
  return (await toViews(db, [row]))[0]!;
}

export async function updateWaiver(
  db: Db,
  actor: Actor,
  teamSlug: string,
  id: string,
  input: unknown,
  services: TriageServices = {},
): Promise<WaiverView> {
  const { team } = await requireTeamRole(db, actor, teamSlug, 'member');
  const changes = parseInput(updateInput, input, 'waiver');
  if (changes.expiresAt) checkExpiry(changes.expiresAt, new Date());
  const row = await db.$transaction(async (tx) => {
    if (!(await tx.waiver.findFirst({ where: { id, teamId: team.id }, select: { id: true } }))) throw notFound('waiver');
    const updated = await tx.waiver.update({ where: { id }, data: changes, select: waiverSelect });
    await recordAudit(tx, {
      teamId: team.id,
      actorId: actor.userId,
      action: 'waiver.edited',
      subjectType: 'waiver',
      subjectId: id,
      details: { ...changes, ...(changes.expiresAt ? { expiresAt: changes.expiresAt.toISOString() } : {}) },
    });
    return updated;
  });
  await announceTriageChange(db, team.id, 'a waiver was edited', services);
  return (await toViews(db, [row]))[0]!;
}

export async function deleteWaiver(db: Db, actor: Actor, teamSlug: string, id: string, services: TriageServices = {}): Promise<void> {
  const { team } = await requireTeamRole(db, actor, teamSlug, 'member');
  await db.$transaction(async (tx) => {
    const existing = await tx.waiver.findFirst({
      where: { id, teamId: team.id },
      select: { testPattern: true, platformPattern: true, reason: true },
    });
    if (!existing) throw notFound('waiver');
    await tx.waiver.delete({ where: { id } });
    await recordAudit(tx, {
      teamId: team.id,
      actorId: actor.userId,
      action: 'waiver.deleted',
      subjectType: 'waiver',
      subjectId: id,
      details: existing,
    });
  });
  await announceTriageChange(db, team.id, 'a waiver was deleted', services);
}

/** How far back a changed waiver or known issue is announced to run pages (running runs always). */
const announcedRunWindowMs = 24 * 60 * 60 * 1000;

/** Tells the pages of the team's running and recent runs to reload how their failures stand. */
export async function announceTriageChange(db: Db, teamId: string, reason: string, services: TriageServices): Promise<void> {
  const runs = await db.run.findMany({
    where: {
      teamId,
      OR: [{ status: { in: ['queued', 'running'] } }, { finishedAt: { gte: new Date(Date.now() - announcedRunWindowMs) } }],
    },
    orderBy: { createdAt: 'desc' },
    take: 50,
    select: { id: true },
  });
  await Promise.all(runs.map((run) => recordRunEvents(db, run.id, [{ type: 'triage.changed', reason }], services.live)));
}

/** The team's waivers in force at `at`, compiled: an expired waiver stops applying by itself. */
export class ActiveWaivers {
  private constructor(private readonly waivers: { label: WaiverLabel; test: RegExp; platform: RegExp | null }[]) {}

  static async load(db: Db, teamId: string, at = new Date()): Promise<ActiveWaivers> {
    const rows = await db.waiver.findMany({
      where: { teamId, expiresAt: { gt: at } },
      orderBy: { createdAt: 'asc' },
      select: waiverSelect,
    });
    return new ActiveWaivers(
      rows.map((row) => ({
        label: { id: row.id, reason: row.reason, expiresAt: row.expiresAt.toISOString() },
        test: compileSafePattern(row.testPattern),
        platform: row.platformPattern ? compileSafePattern(row.platformPattern) : null,
      })),
    );
  }

  /** The waiver covering a failure, or null (also for a result that is no failure). */
  find(testName: string, platform: string, status: string): WaiverLabel | null {
    if (!failureStatuses.includes(status)) return null;
    return (
      this.waivers.find((waiver) => waiver.test.test(testName) && (waiver.platform === null || waiver.platform.test(platform)))?.label ??
      null
    );
  }
}
