import type PgBoss from 'pg-boss';
import { sharedJobQueue } from '../runs/job-queue';
import { z } from 'zod';
import type { Actor } from '../access/actor';
import { requireTeamRole } from '../access/team-access';
import { defaultArtifactStore, type ArtifactStore } from '../artifacts/store';
import { recordAudit } from '../audit/audit-log';
import type { Db } from '../db/client';
import { invalid, notFound } from '../errors';
import { recordRunEvents, type LiveBroadcaster } from '../runs/events';
import { parseInput } from '../validation';
import { knownIssueSelect, labelFailures, type KnownIssueRow, type LabelCandidate } from './labels';
import { safePattern } from './safe-regex';

export const resultStatuses = ['fail', 'error', 'warn', 'info', 'skip', 'pass'] as const;

const httpUrl = z
  .string()
  .max(2000)
  .url()
  .refine((url) => /^https?:\/\//i.test(url), 'must be an http(s) URL');

const knownIssueFields = {
  title: z.string().trim().min(1).max(300),
  url: httpUrl,
  testPattern: safePattern,
  platformPattern: safePattern.nullable(),
  statuses: z.array(z.enum(resultStatuses)).min(1).max(resultStatuses.length),
  textPattern: safePattern.nullable(),
};

const createInput = z
  .object({
    ...knownIssueFields,
    platformPattern: knownIssueFields.platformPattern.default(null),
    statuses: knownIssueFields.statuses.default(['fail', 'error']),
    textPattern: knownIssueFields.textPattern.default(null),
    /** The failure it is created from (its id from the results API). */
    sourceResultId: z
      .string()
      .regex(/^\d{1,18}$/, 'must be a result id')
      .nullable()
      .default(null),
  })
  .strict();

const updateInput = z.object(knownIssueFields).partial().strict();
/** The fields that decide what an issue labels. */
const matcherFields = ['testPattern', 'platformPattern', 'statuses', 'textPattern'] as const;

export interface KnownIssueView {
  id: string;
  title: string;
  url: string;
  testPattern: string;
  platformPattern: string | null;
  statuses: string[];
  textPattern: string | null;
  sourceResultId: string | null;
  createdById: string | null;
  createdAt: Date;
  updatedAt: Date;
  /** Failures it labels, over every run. */
  matches: number;
}

const viewSelect = {
  ...knownIssueSelect,
  sourceResultId: true,
  createdById: true,
  createdAt: true,
  updatedAt: true,
  _count: { select: { matches: true } },
} as const;

function toView(
  row: KnownIssueRow & {
    sourceResultId: bigint | null;
    createdById: string | null;
    createdAt: Date;
    updatedAt: Date;
    _count: { matches: number };
  },
): KnownIssueView {
  const { _count, sourceResultId, ...rest } = row;
  return { ...rest, sourceResultId: sourceResultId?.toString() ?? null, matches: _count.matches };
}

export async function listKnownIssues(db: Db, actor: Actor, teamSlug: string): Promise<KnownIssueView[]> {
  const { team } = await requireTeamRole(db, actor, teamSlug, 'viewer');
  const rows = await db.knownIssue.findMany({ where: { teamId: team.id }, orderBy: { createdAt: 'desc' }, select: viewSelect });
  return rows.map(toView);
}

export async function getKnownIssue(db: Db, actor: Actor, teamSlug: string, id: string): Promise<KnownIssueView> {
  const { team } = await requireTeamRole(db, actor, teamSlug, 'viewer');
  const row = await db.knownIssue.findFirst({ where: { id, teamId: team.id }, select: viewSelect });
  if (!row) throw notFound('known issue');
  return toView(row);
}

/** Services that reach beyond the database. */
export interface TriageServices {
  live?: LiveBroadcaster;
  store?: ArtifactStore;
  /** where the team's webhooks are queued (default: the web process's queue client) */
  queue?: PgBoss;
}

/**
 * A member records a known issue; at once it labels the matching failures of
 * the team's running and recent runs (and of the run it was created from),
 * live on their pages. Later failures are labelled as workers store them.
 */
export async function createKnownIssue(
  db: Db,
  actor: Actor,
  teamSlug: string,
  input: unknown,
  services: TriageServices = {},
): Promise<KnownIssueView> {
  const { team } = await requireTeamRole(db, actor, teamSlug, 'member');
  const { sourceResultId, ...fields } = parseInput(createInput, input, 'known issue');
  const source =
    sourceResultId === null
      ? null
      : await db.result.findFirst({ where: { id: BigInt(sourceResultId), teamId: team.id }, select: { id: true, runId: true } });
  if (sourceResultId !== null && !source)
    throw invalid('invalid known issue: sourceResultId: no such result in this team', [
      { path: 'sourceResultId', message: 'no such result in this team' },
    ]);
  const created = await db.$transaction(async (tx) => {
    const row = await tx.knownIssue.create({
      data: { ...fields, teamId: team.id, sourceResultId: source?.id ?? null, createdById: actor.userId },
      select: viewSelect,
    });
    await recordAudit(tx, {
      teamId: team.id,
      actorId: actor.userId,
      action: 'known-issue.created',
      subjectType: 'known-issue',
      subjectId: row.id,
      details: { ...fields, sourceResultId },
    });
    return row;
  });
  await labelRecentFailures(db, team.id, created, source?.runId ?? null, services);
  return getKnownIssue(db, actor, teamSlug, created.id);
}

export async function updateKnownIssue(
  db: Db,
  actor: Actor,
  teamSlug: string,
  id: string,
  input: unknown,
  services: TriageServices = {},
): Promise<KnownIssueView> {
  const { team } = await requireTeamRole(db, actor, teamSlug, 'member');
  const changes = parseInput(updateInput, input, 'known issue');
  const updated = await db.$transaction(async (tx) => {
    const existing = await tx.knownIssue.findFirst({ where: { id, teamId: team.id }, select: { id: true } });
    if (!existing) throw notFound('known issue');
    const row = await tx.knownIssue.update({ where: { id }, data: changes, select: viewSelect });
    await recordAudit(tx, {
      teamId: team.id,
      actorId: actor.userId,
      action: 'known-issue.edited',
      subjectType: 'known-issue',
      subjectId: id,
      details: changes,
    });
    return row;
  });
  // In recent runs the labels follow the edited matcher: what it no longer matches loses the label. Older runs keep theirs.
  const rematch = matcherFields.some((field) => field in changes);
  // A new title or link shows on reload: the runs showing the issue's labels are told to reload.
  const { labelledBefore } = await labelRecentFailures(db, team.id, updated, null, services, { replace: rematch });
  await Promise.all(
    [...labelledBefore].map((runId) =>
      recordRunEvents(db, runId, [{ type: 'triage.changed', reason: 'a known issue was edited' }], services.live),
    ),
  );
  return getKnownIssue(db, actor, teamSlug, id);
}

export async function deleteKnownIssue(db: Db, actor: Actor, teamSlug: string, id: string, services: TriageServices = {}): Promise<void> {
  const { team } = await requireTeamRole(db, actor, teamSlug, 'member');
  const runIds = await db.$transaction(async (tx) => {
    const existing = await tx.knownIssue.findFirst({ where: { id, teamId: team.id }, select: { title: true, url: true } });
    if (!existing) throw notFound('known issue');
    const runs = await tx.knownIssueMatch.findMany({ where: { knownIssueId: id }, distinct: ['runId'], select: { runId: true } });
    await tx.knownIssue.delete({ where: { id } });
    await recordAudit(tx, {
      teamId: team.id,
      actorId: actor.userId,
      action: 'known-issue.deleted',
      subjectType: 'known-issue',
      subjectId: id,
      details: existing,
    });
    return runs.map((run) => run.runId);
  });
  await Promise.all(
    runIds.map((runId) => recordRunEvents(db, runId, [{ type: 'triage.changed', reason: 'a known issue was deleted' }], services.live)),
  );
}

/** How far back creating or editing an issue labels failures already stored (running runs always). */
const recentRunWindowMs = 24 * 60 * 60 * 1000;
const recentRunLimit = 50;
const relabelResultLimit = 20_000;

/**
 * Labels the matching failures of running and recent runs; with `replace`,
 * the issue's earlier labels there go first. Returns which of those runs had
 * labels of the issue before.
 */
async function labelRecentFailures(
  db: Db,
  teamId: string,
  issue: KnownIssueRow & { id: string },
  sourceRunId: string | null,
  services: TriageServices,
  { replace }: { replace: boolean } = { replace: false },
): Promise<{ labelledBefore: Set<string> }> {
  const runs = await db.run.findMany({
    where: {
      teamId,
      OR: [
        { status: { in: ['queued', 'running'] } },
        { finishedAt: { gte: new Date(Date.now() - recentRunWindowMs) } },
        ...(sourceRunId ? [{ id: sourceRunId }] : []),
      ],
    },
    orderBy: { createdAt: 'desc' },
    take: recentRunLimit,
    select: { id: true },
  });
  const runIds = [...new Set([...(sourceRunId ? [sourceRunId] : []), ...runs.map((run) => run.id)])];
  const earlier = { knownIssueId: issue.id, runId: { in: runIds } };
  const labelledBefore = new Set(
    (await db.knownIssueMatch.findMany({ where: earlier, distinct: ['runId'], select: { runId: true } })).map((match) => match.runId),
  );
  if (replace) await db.knownIssueMatch.deleteMany({ where: earlier });
  const rows = await db.result.findMany({
    where: { runId: { in: runIds }, superseded: false, status: { in: issue.statuses } },
    take: relabelResultLimit,
    select: {
      id: true,
      runId: true,
      attemptId: true,
      testName: true,
      status: true,
      note: true,
      runPlatform: { select: { name: true } },
      attempt: { select: { number: true } },
    },
  });
  const candidates = rows.map((row): LabelCandidate => ({
    resultId: row.id,
    runId: row.runId,
    attemptId: row.attemptId,
    platform: row.runPlatform.name,
    testName: row.testName,
    attempt: row.attempt.number,
    status: row.status,
    note: row.note,
  }));
  const labels = await labelFailures(
    db,
    services.store ?? defaultArtifactStore(),
    services.queue ?? (await sharedJobQueue()),
    [issue],
    candidates,
  );
  const byRun = new Map<string, typeof labels>();
  for (const label of labels) byRun.set(label.runId, [...(byRun.get(label.runId) ?? []), label]);
  for (const [runId, events] of byRun)
    await recordRunEvents(
      db,
      runId,
      events.map((label) => label.event),
      services.live,
    );
  return { labelledBefore };
}
