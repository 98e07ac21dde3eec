import type { Actor } from '../access/actor';
import type { Db } from '../db/client';
import type { SequencedRunEvent } from '../../shared/events/catalogue';
import { noWorkerRunning, platformKindAvailability } from '../health/heartbeat';
import { readRunEvents } from './events';
import { findTeamRun } from './lookup';
import { platformSnapshot } from './settings';
import { runFailures, summarize } from '../triage/triage';
import type { TriageSummary } from '../../shared/triage';

export interface RunDetails {
  id: string;
  number: number;
  status: string;
  error: string | null;
  plan: string;
  repoId: string | null;
  repoUrl: string | null;
  ref: string | null;
  commit: string | null;
  filters: unknown;
  settings: unknown;
  createdAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
  /** The timeline's last sequence number: a client loads events up to here, then applies live ones above it. */
  lastSeq: number;
  platforms: {
    id: string;
    name: string;
    status: string;
    error: string | null;
    startedAt: Date | null;
    finishedAt: Date | null;
    /** Final (not superseded) attempts by their test's own status. */
    tests: { total: number; byStatus: Record<string, number> };
    /** Why a queued platform is not being run, when that is known: no live worker serves its kind, and why. */
    waitingReason: string | null;
    /** How many tests the platform set out to run (its last `platform.started`); null before it started. */
    plannedTests: number | null;
  }[];
  /** The failures and how they stand (waivers as of now). */
  triage: TriageSummary;
}

export async function getRun(db: Db, actor: Actor, teamSlug: string, runRef: string): Promise<RunDetails> {
  const found = await findTeamRun(db, actor, teamSlug, runRef, 'viewer');
  const { id } = found;
  const triage = summarize(await runFailures(db, found));
  const run = await db.run.findUniqueOrThrow({
    where: { id },
    include: {
      platforms: {
        orderBy: { name: 'asc' },
        select: { id: true, name: true, status: true, error: true, startedAt: true, finishedAt: true, spec: true },
      },
    },
  });
  const availability = run.platforms.some((platform) => platform.status === 'queued')
    ? await platformKindAvailability(db)
    : new Map<string, string | null>();
  const planned = await plannedTestsByPlatform(db, id);
  const counts = await db.result.groupBy({
    by: ['runPlatformId', 'status'],
    where: { runId: id, superseded: false, name: null },
    _count: { _all: true },
  });
  return {
    id: run.id,
    number: run.number,
    status: run.status,
    error: run.error,
    plan: run.plan,
    repoId: run.repoId,
    repoUrl: run.repoUrl,
    ref: run.ref,
    commit: run.commit,
    filters: run.filters,
    settings: run.settings,
    createdAt: run.createdAt,
    startedAt: run.startedAt,
    finishedAt: run.finishedAt,
    lastSeq: run.eventSeq,
    platforms: run.platforms.map(({ spec, ...platform }) => {
      const byStatus: Record<string, number> = {};
      for (const row of counts) if (row.runPlatformId === platform.id) byStatus[row.status] = row._count._all;
      const kind = platformSnapshot.safeParse(spec).data?.config.kind;
      const unavailable = platform.status === 'queued' && kind ? availability.get(kind) : null;
      const waitingReason = !unavailable
        ? null
        : unavailable === noWorkerRunning
          ? unavailable
          : `no running worker serves ${kind} platforms: ${unavailable}`;
      const tests = { total: Object.values(byStatus).reduce((sum, count) => sum + count, 0), byStatus };
      return { ...platform, tests, waitingReason, plannedTests: planned.get(platform.name) ?? null };
    }),
    triage,
  };
}

/** Each platform's test count from its last `platform.started` (a resumed platform starts again). */
async function plannedTestsByPlatform(db: Db, runId: string): Promise<Map<string, number>> {
  const rows = await db.$queryRaw<{ platform: string; tests: number }[]>`
    SELECT DISTINCT ON ("payload"->>'platform') "payload"->>'platform' AS "platform", ("payload"->>'tests')::int AS "tests"
    FROM "RunEvent" WHERE "runId" = ${runId} AND "type" = 'platform.started'
    ORDER BY "payload"->>'platform', "seq" DESC`;
  return new Map(rows.map((row) => [row.platform, row.tests]));
}

/** The run's timeline after `after` (a sequence number), at most `limit` events. */
export async function listRunEvents(
  db: Db,
  actor: Actor,
  teamSlug: string,
  runRef: string,
  after: number,
  limit: number,
): Promise<SequencedRunEvent[]> {
  const { id } = await findTeamRun(db, actor, teamSlug, runRef, 'viewer');
  return readRunEvents(db, id, after, limit);
}
