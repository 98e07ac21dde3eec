import type PgBoss from 'pg-boss';
import type { ArtifactStore } from '../artifacts/store';
import { sqlPool, type Db } from '../db/client';
import { IssueMatcher, matchOutput, type IssuePatterns, type MatchReason } from './matcher';
import { knownIssueMatched, type KnownIssueMatched, type RunLabelEvent } from './matched';

/** A stored result that may be a failure a known issue explains. */
export interface LabelCandidate {
  resultId: bigint;
  runId: string;
  attemptId: string;
  platform: string;
  testName: string;
  attempt: number;
  status: string;
  note: string | null;
}

export type KnownIssueRow = IssuePatterns & { title: string; url: string };

export const knownIssueSelect = {
  id: true,
  title: true,
  url: true,
  testPattern: true,
  platformPattern: true,
  statuses: true,
  textPattern: true,
} as const;

/**
 * Matches failures against known issues and stores the new matches; returns
 * the run events that label them (through `knownIssueMatched`). Each
 * attempt's output is read at most once, and only when a text pattern needs it.
 */
export async function labelFailures(
  db: Db,
  store: ArtifactStore,
  queue: PgBoss,
  issues: readonly KnownIssueRow[],
  candidates: readonly LabelCandidate[],
): Promise<RunLabelEvent[]> {
  if (issues.length === 0 || candidates.length === 0) return [];
  const matchers = issues.map((issue) => ({ issue, matcher: new IssueMatcher(issue) }));
  const found: KnownIssueMatched[] = [];
  const byAttempt = new Map<string, LabelCandidate[]>();
  for (const candidate of candidates) byAttempt.set(candidate.attemptId, [...(byAttempt.get(candidate.attemptId) ?? []), candidate]);
  for (const [attemptId, results] of byAttempt) {
    const outputWanted = new Map<LabelCandidate, IssueMatcher[]>();
    for (const candidate of results) {
      for (const { issue, matcher } of matchers) {
        const reason = matcher.matchWithoutOutput(candidate);
        if (reason) found.push(matchOf(candidate, issue, reason));
        else if (matcher.needsOutput && matcher.fits(candidate))
          outputWanted.set(candidate, [...(outputWanted.get(candidate) ?? []), matcher]);
      }
    }
    if (outputWanted.size === 0) continue;
    const file = await outputFile(db, store, attemptId);
    if (!file) continue;
    const wanted = [...new Set([...outputWanted.values()].flat())];
    const lines = await matchOutput(file, wanted);
    for (const [candidate, candidateMatchers] of outputWanted) {
      for (const matcher of candidateMatchers) {
        const reason = lines.get(matcher);
        // The note may have matched already: one match per issue and result.
        if (reason && !found.some((match) => match.resultId === candidate.resultId && match.issue.id === matcher.issue.id)) {
          found.push(
            matchOf(
              candidate,
              issues.find((issue) => issue.id === matcher.issue.id)!,
              reason,
            ),
          );
        }
      }
    }
  }
  return knownIssueMatched(db, queue, await storeNewMatches(db, found));
}

function matchOf(candidate: LabelCandidate, issue: KnownIssueRow, reason: MatchReason): KnownIssueMatched {
  return {
    runId: candidate.runId,
    platform: candidate.platform,
    testName: candidate.testName,
    attempt: candidate.attempt,
    status: candidate.status,
    resultId: candidate.resultId,
    issue: { id: issue.id, title: issue.title, url: issue.url },
    reason,
  };
}

/** Inserts the matches; those already stored (labelled before) are left out of what is returned. */
async function storeNewMatches(db: Db, matches: KnownIssueMatched[]): Promise<KnownIssueMatched[]> {
  if (matches.length === 0) return [];
  const inserted = await db.$queryRaw<{ knownIssueId: string; resultId: bigint }[]>`
    INSERT INTO "KnownIssueMatch" ("knownIssueId", "resultId", "runId", "field", "line", "excerpt")
    SELECT * FROM unnest(${matches.map((match) => match.issue.id)}::text[], ${matches.map((match) => match.resultId.toString())}::bigint[],
                         ${matches.map((match) => match.runId)}::text[], ${matches.map((match) => match.reason.field)}::text[],
                         ${matches.map((match) => (match.reason.field === 'output' ? match.reason.line : null))}::int[],
                         ${matches.map((match) => match.reason.excerpt)}::text[])
    ON CONFLICT ("knownIssueId", "resultId") DO NOTHING
    RETURNING "knownIssueId", "resultId"`;
  const fresh = new Set(inserted.map((row) => `${row.knownIssueId}\0${row.resultId}`));
  return matches.filter((match) => fresh.has(`${match.issue.id}\0${match.resultId}`));
}

/** The attempt's output file in the store: its own result's `testout`, else output.txt (as the result page shows it). */
async function outputFile(db: Db, store: ArtifactStore, attemptId: string): Promise<string | null> {
  const own = await db.result.findFirst({ where: { attemptId, name: null }, orderBy: { line: 'desc' }, select: { extra: true } });
  const extra = own?.extra;
  const testout =
    extra && typeof extra === 'object' && !Array.isArray(extra) && typeof extra.testout === 'string' ? extra.testout : 'output.txt';
  const artifact = await db.artifact.findUnique({
    where: { attemptId_path: { attemptId, path: `files/${testout}` } },
    select: { storageKey: true },
  });
  return artifact ? store.localPath(artifact.storageKey) : null;
}

/** knownIssueSelect's fields as SQL columns. */
const knownIssueColumns = Object.keys(knownIssueSelect)
  .map((field) => `"${field}"`)
  .join(', ');

/**
 * The team's known issues that could label a result of one of these
 * statuses. Plain SQL: the worker asks for every batch of attempts it
 * stores, and Prisma's query compiler took four times as long on its thread.
 */
export async function knownIssuesFor(db: Db, teamId: string, statuses: readonly string[]): Promise<KnownIssueRow[]> {
  if (statuses.length === 0) return [];
  const { rows } = await sqlPool(db).query<KnownIssueRow>(
    {
      name: 'known-issues-for-statuses',
      text: `SELECT ${knownIssueColumns} FROM "KnownIssue" WHERE "teamId" = $1 AND "statuses" && $2::text[]`,
    },
    [teamId, statuses],
  );
  return rows;
}
