import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { inject } from 'vitest';
import { FolderArtifactStore } from '../../lib/server/artifacts/store';
import { createDb } from '../../lib/server/db/client';
import { liveOutputPath } from '../../lib/server/runs/live-attempts';
import { api } from '../support/api';
import { fixtureTreeCopy } from '../support/fixture-trees';
import { seedResults } from './run-pages-seed';

/**
 * A cancelled run of a team with one failed test, "/tests/seeded" on
 * platform `platform`, whose final attempt has one (empty) stored file, and
 * an attempt of "/tests/running" that has not ended, with output written so
 * far where the shared app's worker would write it.
 */
export async function runWithFailedTest(
  team: { slug: string; id: string },
  ownerToken: string,
): Promise<{ number: number; platform: string; fileId: string; running: { test: string; attempt: number } }> {
  const owner = { token: ownerToken };
  const unique = `${Date.now()}-${Math.random().toString(36).slice(2)}`;
  const platform = await api('POST', `/api/v1/teams/${team.slug}/platforms`, owner, {
    name: `seeded-${unique}`,
    config: { kind: 'container', image: 'debian:12' },
  });
  const repo = await api('POST', `/api/v1/teams/${team.slug}/repos`, owner, {
    name: `seeded-${unique}`,
    path: await fixtureTreeCopy('run-pages'),
  });
  const run = await api('POST', `/api/v1/teams/${team.slug}/runs`, owner, {
    repoId: repo.body.id,
    plan: '/plans/all',
    platforms: [platform.body.id],
  });
  await api('POST', `/api/v1/teams/${team.slug}/runs/${run.body.number}/cancel`, owner);
  const db = createDb(inject('databaseUrl'));
  try {
    await seedResults(db, { runId: run.body.id, runPlatformId: run.body.platforms[0].id, teamId: team.id }, [
      {
        name: '/tests/seeded',
        status: 'fail',
        files: [{ path: 'empty.log', storageKey: `${run.body.id}/empty.log`, size: 0, sha256: unique }],
      },
    ]);
    const file = await db.artifact.findFirstOrThrow({ where: { attempt: { runId: run.body.id } }, select: { id: true } });
    // and one attempt still running, whose output the worker is writing
    const runPlatformId: string = run.body.platforms[0].id;
    await db.attempt.create({
      data: { runId: run.body.id, runPlatformId, testName: '/tests/running', number: 1, remote: 'seeded', startedAt: new Date() },
    });
    const output = liveOutputPath(new FolderArtifactStore(inject('appArtifactsDir')), {
      runId: run.body.id,
      runPlatformId,
      testName: '/tests/running',
      number: 1,
    })!;
    await mkdir(path.dirname(output), { recursive: true });
    await writeFile(output, 'first line\nsecond line\nthird, unfinished');
    return {
      number: run.body.number,
      platform: run.body.platforms[0].name,
      fileId: file.id,
      running: { test: '/tests/running', attempt: 1 },
    };
  } finally {
    await db.$disconnect();
  }
}
