import type { TestProject } from 'vitest/node';
import { startApp } from './app-server';
import { createTestDatabase } from './test-database';

declare module 'vitest' {
  export interface ProvidedContext {
    appUrl: string;
    databaseUrl: string;
    /** The shared app's TESTYARD_DATA_DIR (its mails are in mail/). */
    appDataDir: string;
    /** Where a fake Testing Farm must listen for the shared app to allow it. */
    testingFarmPort: number;
  }
}

/** One fresh database and one running app (web + worker) for all app and browser tests. */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const database = await createTestDatabase();
  const app = await startApp(database.url).catch(async (error) => {
    await database.drop();
    throw error;
  });
  project.provide('appUrl', app.url);
  project.provide('databaseUrl', database.url);
  project.provide('appDataDir', app.dataDir);
  project.provide('testingFarmPort', app.testingFarmPort);
  return async () => {
    await app.stop();
    await database.drop();
  };
}
