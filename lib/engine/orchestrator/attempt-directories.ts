import { mkdtemp, rm, rmdir, unlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { filesDirName, resultsFileName } from '../control/artifacts';

/** Where attempts write their artifacts before the aggregator takes them. */
export interface AttemptDirectories {
  /** A fresh, empty folder for one attempt. */
  create(testName: string, attempt: number): Promise<string>;
  /** Called once the aggregator has ingested the attempt, or when the attempt is dropped (cancelled). */
  dispose(directory: string): Promise<void>;
}

/** Temporary folders under `parent`, removed after ingest (atex's TemporaryDirectory per attempt). */
export function temporaryAttemptDirectories(parent = tmpdir()): AttemptDirectories {
  return {
    create: (testName, attempt) => mkdtemp(path.join(parent, `testyard-${safeFileName(testName)}-${attempt}-`)),
    dispose: removeAttemptDirectory,
  };
}

/**
 * Removes an ingested attempt's folder. An aggregator that moved the files
 * away leaves `results` and at most an empty `files/`: a few calls instead of
 * a walk of the folder, which is the fallback for anything else.
 */
export async function removeAttemptDirectory(directory: string): Promise<void> {
  const emptied = await unlink(path.join(directory, resultsFileName))
    .then(() =>
      rmdir(path.join(directory, filesDirName)).catch((error: NodeJS.ErrnoException) => {
        if (error.code !== 'ENOENT') throw error;
      }),
    )
    .then(() => rmdir(directory))
    .then(
      () => true,
      () => false,
    );
  if (!emptied) await rm(directory, { recursive: true, force: true });
}

/** A test or platform name as one path component: `/tests/a b` → `tests-a_b`. */
export function safeFileName(name: string): string {
  return (
    name
      .replace(/^\/+/, '')
      .replace(/\//g, '-')
      .replace(/[^A-Za-z0-9._@+-]/g, '_')
      .slice(0, 100) || '_'
  );
}
