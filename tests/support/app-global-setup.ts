import { mkdtemp, rm } from 'node:fs/promises';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { sharedArtifactsVariable, startApp } from './app-server';
import { createTestDatabase, repoRoot } from './test-database';

declare module 'vitest' {
  export interface ProvidedContext {
    appUrl: string;
    /** The shared app's artifact store folder. */
    appArtifactsDir: string;
    databaseUrl: string;
    /** The shared app's TESTYARD_DATA_DIR (its mails are in mail/). */
    appDataDir: string;
    /** Where a fake Testing Farm must listen for the shared app to allow it. */
    testingFarmPort: number;
  }
}

/**
 * One fresh database and one running app (web + worker) for all app and
 * browser tests, and one artifact store folder for every app they start:
 * apps sharing a database share its job queue, so any worker may store what
 * any web server shows.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const database = await createTestDatabase();
  const artifacts = await mkdtemp(path.join(repoRoot, '.data', 'test-artifacts-'));
  // test files run in forks started after this, with this environment
  process.env[sharedArtifactsVariable] = artifacts;
  const app = await startApp(database.url).catch(async (error) => {
    await database.drop();
    throw error;
  });
  project.provide('appUrl', app.url);
  project.provide('appArtifactsDir', app.artifactsDir);
  project.provide('databaseUrl', database.url);
  project.provide('appDataDir', app.dataDir);
  project.provide('testingFarmPort', app.testingFarmPort);
  return async () => {
    await app.stop();
    await database.drop();
    await rm(artifacts, { recursive: true, force: true });
  };
}
