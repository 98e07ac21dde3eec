import type { TestProject } from 'vitest/node';
import { startApp } from './app-server';
import { createTestDatabase } from './test-database';

declare module 'vitest' {
  export interface ProvidedContext {
    appUrl: string;
    appDataDir: string;
    databaseUrl: string;
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
  project.provide('appDataDir', app.dataDir);
  project.provide('databaseUrl', database.url);
  return async () => {
    await app.stop();
    await database.drop();
  };
}
