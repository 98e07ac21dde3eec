import { constants as fsConstants, writev } from 'node:fs';
import { link, lstat, mkdir, open, unlink, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { badControl, badReport, ControlError } from './errors';
import { serializeJson } from './json';
import {
  FileNameSet,
  mergeResultFields,
  resultFilePath,
  resultLineSize,
  toResultLine,
  type ReportedResult,
  type ResultFields,
} from './result';

/** Names inside the artifacts folder, as atex uses them. */
export const resultsFileName = 'results';
export const filesDirName = 'files';
/** Test output collects here and is hard-linked to every `testout` name; removed when the attempt ends. */
export const testOutputFileName = 'testout.temp';
export const fallbackTestoutName = 'output.txt';

export interface ArtifactsLimits {
  maxResultJsonBytes: number;
  maxPendingPartials: number;
}

/** How the attempt ended, as far as the fallback result is concerned. */
export type FallbackCause = { exitCode: number } | { abortNote: string };

/**
 * Writes one attempt's `results` and `files/` the way atex's Reporter does,
 * refusing anything that would land outside `files/`.
 */
export class ArtifactsWriter {
  /** Held `partial: true` results by name (null = the test itself), in order of first arrival. */
  private readonly pending = new Map<string | null, ResultFields>();
  private finalResultForTestSeen = false;
  /** Problems while writing held results at the end, which atex only logs. */
  readonly finishProblems: string[] = [];

  private constructor(
    readonly artifactsDir: string,
    private readonly resultsFile: FileHandle,
    private readonly limits: ArtifactsLimits,
    private readonly onLineWritten: (line: string) => void,
  ) {}

  private get filesDir(): string {
    return join(this.artifactsDir, filesDirName);
  }

  get testOutputPath(): string {
    return join(this.artifactsDir, testOutputFileName);
  }

  /**
   * Fails if a previous attempt left `results`, `files` or the output file in
   * the folder, leaving the folder as it was. Each is created exclusively (no
   * separate existence checks: an attempt's set-up is on every test's path).
   */
  static async create(artifactsDir: string, limits: ArtifactsLimits, onLineWritten: (line: string) => void): Promise<ArtifactsWriter> {
    const resultsPath = join(artifactsDir, resultsFileName);
    const openResults = () => createNew(resultsPath, (path) => open(path, 'wx'));
    const resultsFile = await openResults().catch(async (error: unknown) => {
      if (!isErrnoException(error) || error.code !== 'ENOENT') throw error;
      await mkdir(artifactsDir, { recursive: true });
      return openResults();
    });
    const testOutputPath = join(artifactsDir, testOutputFileName);
    const made = [resultsPath];
    try {
      const testOutput = await createNew(testOutputPath, (path) => open(path, 'wx'));
      made.push(testOutputPath);
      await testOutput.close();
      await createNew(join(artifactsDir, filesDirName), (path) => mkdir(path));
    } catch (error) {
      await resultsFile.close();
      await Promise.all(made.map((path) => unlink(path))).catch(() => undefined);
      throw error;
    }
    return new ArtifactsWriter(artifactsDir, resultsFile, limits, onLineWritten);
  }

  /** Opens a result's file to append to, creating its folders; refuses to follow symlinks. */
  async openFileForAppend(pathParts: readonly string[], rawName: string): Promise<FileAppender> {
    const path = await this.prepareFolders(pathParts, rawName);
    // Not O_APPEND: appending through it costs several times the kernel time; writes go to explicit offsets instead.
    const flags = fsConstants.O_WRONLY | fsConstants.O_CREAT | fsConstants.O_NOFOLLOW;
    try {
      const handle = await open(path, flags, 0o644);
      return new FileAppender(handle, (await handle.stat()).size);
    } catch (error) {
      throw fileSystemProblem(error, `file '${rawName}'`);
    }
  }

  /** Records a result from the test whose files have all been received. */
  async submit(result: ReportedResult): Promise<void> {
    if (result.partial) this.hold(result, true);
    else await this.writeMergedWithHeld(result);
  }

  /** Keeps a partial result, merged into the one of the same name; the fallback bypasses the limits. */
  private hold(result: ReportedResult, enforceLimits: boolean): void {
    const held = this.pending.get(result.name);
    if (!held && enforceLimits && this.pending.size >= this.limits.maxPendingPartials) {
      throw badReport(`more than ${this.limits.maxPendingPartials} partial results pending at once`);
    }
    const fields = held ?? result.fields;
    if (held) mergeResultFields(held, result.fields);
    else this.pending.set(result.name, fields);
    if (enforceLimits) this.ensurePendingSize(result.name, fields);
  }

  private async writeMergedWithHeld(result: ReportedResult): Promise<void> {
    const held = this.pending.get(result.name);
    if (!held) return this.writeResult(result.fields);
    this.pending.delete(result.name);
    mergeResultFields(held, result.fields);
    await this.writeResult(held);
  }

  /**
   * Adds the fallback result for the test itself unless it reported a final
   * one, then writes every held partial result, and drops the output file.
   */
  async finish(cause: FallbackCause): Promise<void> {
    try {
      if (!this.finalResultForTestSeen) this.hold(this.fallbackResult(cause), false);
      for (const fields of this.pending.values()) {
        try {
          await this.writeResult(fields);
        } catch (error) {
          if (!(error instanceof ControlError)) throw error;
          this.finishProblems.push(`${error.note} when writing held result ${serializeJson(toResultLine(fields))}`);
        }
      }
      this.pending.clear();
    } finally {
      await this.resultsFile.close();
      await unlink(this.testOutputPath).catch(() => undefined);
    }
  }

  private fallbackResult(cause: FallbackCause): ReportedResult {
    const held = this.pending.get(null);
    const heldFiles = held?.get('files');
    const outputAlreadyThere =
      held !== undefined && (held.has('testout') || (heldFiles instanceof FileNameSet && heldFiles.has(fallbackTestoutName)));
    const fields: ResultFields = new Map();
    if ('abortNote' in cause) {
      fields.set('status', 'infra');
      fields.set('note', cause.abortNote);
    } else {
      const heldStatus = held?.get('status');
      fields.set('status', heldStatus !== undefined ? heldStatus : cause.exitCode === 0 ? 'pass' : 'fail');
    }
    if (!outputAlreadyThere) fields.set('testout', fallbackTestoutName);
    return { name: null, partial: true, fields, files: [] };
  }

  private ensurePendingSize(name: string | null, fields: ResultFields): void {
    const size = resultLineSize(fields);
    if (size > this.limits.maxResultJsonBytes) {
      const which = name === null ? 'for the test itself' : `'${name}'`;
      throw badReport(`partial result ${which} grew to ${size} bytes, over the limit of ${this.limits.maxResultJsonBytes}`);
    }
  }

  private async writeResult(fields: ResultFields): Promise<void> {
    const name = fields.get('name');
    const resultName = typeof name === 'string' ? name : null;
    const testout = fields.get('testout');
    if (typeof testout === 'string') await this.linkTestOutput(resultName, testout);
    const line = serializeJson(toResultLine(fields));
    if (resultName === null) this.finalResultForTestSeen = true;
    await this.resultsFile.write(`${line}\n`);
    this.onLineWritten(line);
  }

  private async linkTestOutput(resultName: string | null, testout: string): Promise<void> {
    const path = await this.prepareFolders(resultFilePath(resultName, testout, 'testout'), testout);
    try {
      await link(this.testOutputPath, path);
    } catch (error) {
      if (isErrnoException(error) && error.code === 'EEXIST') throw badReport(`file '${testout}' already exists`);
      throw fileSystemProblem(error, `testout '${testout}'`);
    }
  }

  /** Creates the folders above a file inside `files/`, checking each is a real folder (no symlink). */
  private async prepareFolders(pathParts: readonly string[], rawName: string): Promise<string> {
    let folder = this.filesDir;
    for (const part of pathParts.slice(0, -1)) {
      folder = join(folder, part);
      try {
        await mkdir(folder);
      } catch (error) {
        if (!isErrnoException(error) || error.code !== 'EEXIST') throw fileSystemProblem(error, `folder for '${rawName}'`);
      }
      const stats = await lstat(folder);
      if (!stats.isDirectory()) {
        throw badReport(`cannot store '${rawName}': '${part}' already exists and is not a folder`);
      }
    }
    return join(folder, pathParts[pathParts.length - 1]);
  }
}

/** Writes batches of chunks one after another at the end of a file. */
export class FileAppender {
  constructor(
    private readonly handle: FileHandle,
    private position: number,
  ) {}

  /** Writes every byte of `chunks`, resuming after partial writes. */
  async append(chunks: Buffer[]): Promise<void> {
    let pending = chunks;
    while (pending.length > 0) {
      // The callback writev is markedly faster here than FileHandle's.
      const written = await new Promise<number>((resolve, reject) =>
        writev(this.handle.fd, pending, this.position, (error, bytesWritten) => (error ? reject(error) : resolve(bytesWritten))),
      );
      this.position += written;
      pending = dropWrittenBytes(pending, written);
    }
  }

  async close(): Promise<void> {
    await this.handle.close();
  }
}

function dropWrittenBytes(chunks: Buffer[], written: number): Buffer[] {
  let skip = written;
  let index = 0;
  while (index < chunks.length && skip >= chunks[index].length) skip -= chunks[index++].length;
  const rest = chunks.slice(index);
  if (rest.length > 0 && skip > 0) rest[0] = rest[0].subarray(skip);
  return rest;
}

/** Creates `path`, which must not exist yet: one left by an earlier attempt is named as such. */
async function createNew<T>(path: string, create: (path: string) => Promise<T>): Promise<T> {
  try {
    return await create(path);
  } catch (error) {
    if (isErrnoException(error) && error.code === 'EEXIST') throw new Error(`${path} already exists`);
    throw error;
  }
}

function isErrnoException(error: unknown): error is NodeJS.ErrnoException {
  return error instanceof Error && 'code' in error;
}

/** File system refusals caused by the test's names (a folder in the way, a name too long) are the test's error. */
function fileSystemProblem(error: unknown, what: string): Error {
  if (!isErrnoException(error)) return error instanceof Error ? error : new Error(String(error));
  switch (error.code) {
    case 'EISDIR':
      return badReport(`cannot write ${what}: a folder of that name exists`);
    case 'ENOTDIR':
      return badReport(`cannot write ${what}: part of its path is a file`);
    case 'ELOOP':
      return badReport(`cannot write ${what}: it is a symlink`);
    case 'ENAMETOOLONG':
      return badReport(`cannot write ${what}: name too long`);
    default:
      return badControl(`cannot write ${what}: ${error.message}`);
  }
}
