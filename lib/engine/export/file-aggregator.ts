import { cp, mkdir, open, rename, rm, rmdir, stat, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { fallbackTestoutName } from '../control/artifacts';
import type { Aggregator, AttemptOutcome } from '../orchestrator/types';
import type { ExportedAttempt } from './attempt';
import { atexJsonLines } from './atex-jsonl';
import { ownResult, readResultLines } from './results-file';

export interface FileAggregatorOptions {
  /** Where test files go: `<filesDir>/<platform>/<test>/…` as atex lays them out; earlier attempts under `<filesDir>/.superseded/<platform>/<test>/<attempt>/`. */
  filesDir: string;
  /** atex-compatible JSON Lines of every test's final attempt, appended as tests finish. */
  jsonlPath?: string;
}

/**
 * A run's results in plain files, for the CLI: one instance per run, one
 * `forPlatform()` aggregator per platform. Ingesting the same attempt again
 * is a no-op; concurrent ingests append whole attempts to the JSONL file,
 * which stays open until `close()`.
 */
export class FileRunAggregator {
  private readonly ingested = new Map<string, Promise<void>>();
  private readonly stored: ExportedAttempt[] = [];
  /** Folders this run made under `filesDir`: each test's files go into one, made once. */
  private readonly madeFolders = new Set<string>();
  private jsonlWrites: Promise<void> = Promise.resolve();
  private jsonlFile: Promise<FileHandle> | undefined;

  constructor(private readonly options: FileAggregatorOptions) {}

  forPlatform(platform: string): Aggregator {
    return { ingest: (outcome) => this.ingest(platform, outcome) };
  }

  /** Closes the JSONL file once every append is in it. */
  async close(): Promise<void> {
    await this.jsonlWrites.catch(() => undefined);
    const file = this.jsonlFile;
    this.jsonlFile = undefined;
    // a file that could not be opened was reported by each append
    const handle = await file?.catch(() => undefined);
    await handle?.close();
  }

  /** Every attempt stored so far, superseded ones included (for JUnit). */
  attempts(): readonly ExportedAttempt[] {
    return this.stored;
  }

  private ingest(platform: string, outcome: AttemptOutcome): Promise<void> {
    const key = JSON.stringify([platform, outcome.testName, outcome.attempt]);
    let ingesting = this.ingested.get(key);
    if (!ingesting) {
      ingesting = this.store(platform, outcome);
      this.ingested.set(key, ingesting);
      // a failed ingest may be retried
      ingesting.catch(() => this.ingested.delete(key));
    }
    return ingesting;
  }

  private async store(platform: string, outcome: AttemptOutcome): Promise<void> {
    const results = outcome.artifactsDir ? await readResultLines(outcome.artifactsDir) : [];
    const testPath = [...pathParts(platform, 'platform'), ...pathParts(outcome.testName, 'test name')];
    const target =
      outcome.rerunReason === null
        ? path.join(this.options.filesDir, ...testPath)
        : path.join(this.options.filesDir, '.superseded', ...testPath, String(outcome.attempt));
    if (outcome.artifactsDir) await this.moveFiles(path.join(outcome.artifactsDir, 'files'), target);
    const own = ownResult(results);
    // executor-written lines list the test output under `files` (atex's Reporter turns `testout` into a file)
    const testout = own?.testout ?? own?.files.find((name) => name === fallbackTestoutName);
    this.stored.push({
      platform,
      testName: outcome.testName,
      attempt: outcome.attempt,
      rerunReason: outcome.rerunReason,
      exitCode: outcome.exitCode,
      exception: outcome.exception,
      startedAt: outcome.startedAt,
      finishedAt: outcome.finishedAt,
      results,
      outputPath: testout ? path.join(target, testout) : null,
    });
    const { jsonlPath } = this.options;
    if (jsonlPath && outcome.rerunReason === null) {
      const lines = atexJsonLines(platform, outcome.testName, results);
      this.jsonlFile ??= open(jsonlPath, 'a');
      const file = this.jsonlFile;
      const write = this.jsonlWrites.then(async () => {
        await (await file).appendFile(lines);
      });
      // one failed append must not stop the ones after it
      this.jsonlWrites = write.catch(() => undefined);
      await write;
    }
  }

  /** Moves a non-empty `files/` folder to `target` (which must not exist yet). */
  private async moveFiles(source: string, target: string): Promise<void> {
    // an empty folder is not moved: atex makes no folder for a test without files
    const empty = await rmdir(source).then(
      () => true,
      (error: NodeJS.ErrnoException) => error.code === 'ENOENT',
    );
    if (empty) return;
    if (
      await stat(target).then(
        () => true,
        () => false,
      )
    )
      throw new Error(`${target} already exists`);
    const parent = path.dirname(target);
    if (!this.madeFolders.has(parent)) {
      await mkdir(parent, { recursive: true });
      this.madeFolders.add(parent);
    }
    try {
      await rename(source, target);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EXDEV') throw error;
      await cp(source, target, { recursive: true, verbatimSymlinks: true });
      await rm(source, { recursive: true, force: true });
    }
  }
}

/** atex's normalize_path: a name as relative path parts, refusing to climb out. */
function pathParts(name: string, what: string): string[] {
  const parts = name.split('/').filter((part) => part !== '' && part !== '.');
  if (parts.length === 0 || parts.includes('..')) throw new Error(`${what} "${name}" cannot be stored as a path`);
  return parts;
}
