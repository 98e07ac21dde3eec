import type { Actor } from '../access/actor';
import type { JsonValue } from '../../engine/control/json';
import type { Db } from '../db/client';
import { atexJsonLine } from '../../engine/export/atex-jsonl';
import { attemptStatus, type ExportedAttempt } from '../../engine/export/attempt';
import { junitXml } from '../../engine/export/junit';
import type { ResultLine } from '../../engine/export/results-file';
import { teamSecretRedactor } from '../secrets/secrets';
import { findTeamRun } from './lookup';
import { ActiveWaivers } from '../waivers/waivers';

const pageSize = 5000;

interface StoredResult {
  status: string;
  name: string | null;
  note: string | null;
  extra: unknown;
}

/** A stored result as the file exporters read one: only the keys atex's formats use. */
function asResultLine(result: StoredResult): ResultLine {
  const files = (result.extra as { files?: unknown } | null)?.files;
  const fileNames = Array.isArray(files) ? files.filter((file): file is string => typeof file === 'string') : [];
  const raw = new Map<string, JsonValue>([
    ['status', result.status],
    ['name', result.name],
    ['note', result.note],
    ['files', fileNames],
  ]);
  return { raw, status: result.status, name: result.name, note: result.note, files: fileNames, testout: null };
}

/**
 * The run's final results as atex's JSONLinesAggregator writes them, in the
 * order they were stored, read page by page so a run of any size streams.
 */
export async function* runAsAtexJsonLines(db: Db, actor: Actor, teamSlug: string, runRef: string): AsyncGenerator<string> {
  const { id: runId, teamId } = await findTeamRun(db, actor, teamSlug, runRef, 'viewer');
  const redactor = await teamSecretRedactor(db, teamId);
  const waivers = await ActiveWaivers.load(db, teamId);
  const platforms = new Map(
    (await db.runPlatform.findMany({ where: { runId }, select: { id: true, name: true } })).map((platform) => [platform.id, platform.name]),
  );
  let after: bigint | undefined;
  for (;;) {
    const page = await db.result.findMany({
      where: { runId, superseded: false, ...(after === undefined ? {} : { id: { gt: after } }) },
      orderBy: { id: 'asc' },
      take: pageSize,
      select: { id: true, runPlatformId: true, testName: true, status: true, name: true, note: true, extra: true },
    });
    if (page.length === 0) return;
    yield redactor.redact(
      page
        .map((result) => {
          const platform = platforms.get(result.runPlatformId) ?? '';
          const waiver = waivers.find(result.testName, platform, result.status);
          return atexJsonLine(
            platform,
            result.testName,
            asResultLine(result),
            waiver
              ? new Map([
                  [
                    'waiver',
                    new Map([
                      ['reason', waiver.reason],
                      ['expiresAt', waiver.expiresAt],
                    ]),
                  ],
                ])
              : undefined,
          );
        })
        .join(''),
    );
    after = page[page.length - 1]!.id;
  }
}

/** The run as JUnit XML: a suite per platform, a case per test, earlier attempts as reruns. */
export async function runAsJunitXml(db: Db, actor: Actor, teamSlug: string, runRef: string): Promise<string> {
  const { id: runId, teamId } = await findTeamRun(db, actor, teamSlug, runRef, 'viewer');
  const waivers = await ActiveWaivers.load(db, teamId);
  const attempts = await db.attempt.findMany({
    where: { runId, finishedAt: { not: null } },
    orderBy: [{ runPlatform: { name: 'asc' } }, { testName: 'asc' }, { number: 'asc' }],
    select: {
      testName: true,
      number: true,
      rerunReason: true,
      exitCode: true,
      exception: true,
      startedAt: true,
      finishedAt: true,
      runPlatform: { select: { name: true } },
      results: { orderBy: { line: 'asc' }, select: { status: true, name: true, note: true, extra: true } },
    },
  });
  const exported = attempts.map((attempt): ExportedAttempt => {
    const results = attempt.results.map(asResultLine);
    const exportedAttempt: ExportedAttempt = {
      platform: attempt.runPlatform.name,
      testName: attempt.testName,
      attempt: attempt.number,
      rerunReason: attempt.rerunReason,
      exitCode: attempt.exitCode,
      exception: attempt.exception,
      startedAt: attempt.startedAt,
      finishedAt: attempt.finishedAt ?? attempt.startedAt,
      results,
      outputPath: null,
    };
    const waiver = waivers.find(attempt.testName, attempt.runPlatform.name, attemptStatus(exportedAttempt));
    return { ...exportedAttempt, waiver: waiver && { reason: waiver.reason, expiresAt: waiver.expiresAt } };
  });
  return (await teamSecretRedactor(db, teamId)).redact(junitXml(exported));
}
