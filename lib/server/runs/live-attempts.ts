import { mkdir, rm, rmdir } from 'node:fs/promises';
import path from 'node:path';
import type { ArtifactStore } from '../artifacts/store';
import { testOutputFileName } from '../../engine/control/artifacts';
import { removeAttemptDirectory, temporaryAttemptDirectories, type AttemptDirectories } from '../../engine/orchestrator';
import { attemptKeyPrefix } from './attempt-keys';

/** An attempt of a test on a run platform, as stored. */
export interface AttemptIdentity {
  runId: string;
  runPlatformId: string;
  testName: string;
  number: number;
}

/**
 * Worker side: attempts write their files into the artifact store's live
 * folder (when it has one), so that web servers sharing the store can read a
 * running test's output; ingest then moves the files within one file system.
 * What a dead worker left there is removed when its platform is taken over
 * (removeLiveAttempts), before any attempt of it starts again.
 */
export function liveAttemptDirectories(store: ArtifactStore, runId: string, runPlatformId: string): AttemptDirectories {
  if (store.liveDirectory(runId) === null) return temporaryAttemptDirectories();
  return {
    create: async (testName, number) => {
      const directory = store.liveDirectory(attemptKeyPrefix(runId, runPlatformId, testName, number))!;
      await mkdir(directory, { recursive: true });
      return directory;
    },
    dispose: removeAttemptDirectory,
  };
}

/**
 * Removes what attempts of a run platform left in the live folder, when none
 * of them is running: a worker takes the platform over, or it has finished.
 * The run's own live folder goes too once no other platform of it uses it.
 */
export async function removeLiveAttempts(store: ArtifactStore, runId: string, runPlatformId: string): Promise<void> {
  const directory = store.liveDirectory(`${runId}/${runPlatformId}`);
  if (!directory) return;
  await rm(directory, { recursive: true, force: true });
  await rmdir(path.dirname(directory)).catch(() => undefined);
}

/** Web side: the output file of a running attempt, while it runs and when the store has a live folder. */
export function liveOutputPath(store: ArtifactStore, attempt: AttemptIdentity): string | null {
  const directory = store.liveDirectory(attemptKeyPrefix(attempt.runId, attempt.runPlatformId, attempt.testName, attempt.number));
  return directory && path.join(directory, testOutputFileName);
}
