import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ArtifactsWriter, resultsFileName, type FallbackCause } from './artifacts';
import { ByteBudget, ControlReader, type BufferStats } from './control-reader';
import { readControlStream } from './control-stream';
import { ControlError } from './errors';
import type { AttemptEnd, ControlHandlers, ControlLimits, StreamEnd } from './index';
import { resolveControlLimits } from './limits';

type StreamError = Extract<StreamEnd, { kind: 'error' }>;

/**
 * Records one test attempt: every control stream the test writes (one per
 * boot) and, at the end, the fallback result. See index.ts for the contract.
 */
export class AttemptRecorder {
  private readonly budget: ByteBudget;
  private readonly bufferStats: BufferStats = { peakBufferedBytes: 0 };
  private streamError: StreamError | null = null;
  private consuming = false;
  private finished = false;

  private constructor(
    private readonly artifacts: ArtifactsWriter,
    private readonly limits: ControlLimits,
    private readonly handlers: ControlHandlers,
  ) {
    this.budget = new ByteBudget(limits.maxTotalBytes);
  }

  static async create(
    artifactsDir: string,
    options: { limits?: Partial<ControlLimits> } & ControlHandlers = {},
  ): Promise<AttemptRecorder> {
    const { limits: limitOverrides, ...handlers } = options;
    const limits = resolveControlLimits(limitOverrides);
    const artifacts = await ArtifactsWriter.create(artifactsDir, limits, (line) => {
      handlers.onResult?.(JSON.parse(line) as Record<string, unknown>);
    });
    return new AttemptRecorder(artifacts, limits, handlers);
  }

  get artifactsDir(): string {
    return this.artifacts.artifactsDir;
  }

  /** The `results` file (JSON Lines), complete once `finish` has resolved. */
  get resultsPath(): string {
    return join(this.artifacts.artifactsDir, resultsFileName);
  }

  get outputPath(): string {
    return this.artifacts.testOutputPath;
  }

  /** The most bytes the parser itself buffered at once (a control line or a result JSON). */
  get peakBufferedBytes(): number {
    return this.bufferStats.peakBufferedBytes;
  }

  /** Held partial results that could not be written by `finish` (atex logs these and drops them). */
  get finishProblems(): readonly string[] {
    return this.artifacts.finishProblems;
  }

  async consume(stream: NodeJS.ReadableStream): Promise<StreamEnd> {
    if (this.finished) throw new Error('AttemptRecorder.consume() called after finish()');
    if (this.consuming) throw new Error('AttemptRecorder.consume() called while another stream is being consumed');
    if (this.streamError) return this.streamError;
    this.consuming = true;
    const reader = new ControlReader(stream, this.budget, this.limits.maxLineBytes, this.bufferStats);
    let end: StreamEnd;
    try {
      end = await readControlStream({
        reader,
        artifacts: this.artifacts,
        handlers: this.handlers,
        maxResultJsonBytes: this.limits.maxResultJsonBytes,
        maxFileBytes: this.limits.maxFileBytes,
      });
    } catch (error) {
      this.streamError = toStreamError(error);
      end = this.streamError;
    } finally {
      this.consuming = false;
    }
    await reader.release().catch(() => undefined);
    return end;
  }

  async finish(end: AttemptEnd): Promise<Array<Record<string, unknown>>> {
    if (this.finished) throw new Error('AttemptRecorder.finish() called twice');
    if (this.consuming) throw new Error('AttemptRecorder.finish() called while a stream is being consumed');
    this.finished = true;
    const cause: FallbackCause = this.streamError
      ? { abortNote: this.streamError.note }
      : 'abort' in end
        ? { abortNote: end.abort }
        : { exitCode: end.exitCode };
    await this.artifacts.finish(cause);
    const results = await readFile(this.resultsPath, 'utf8');
    return results
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
  }
}

function toStreamError(error: unknown): StreamError {
  if (error instanceof ControlError) return { kind: 'error', message: error.message, note: error.note };
  const cause = error instanceof Error ? error : new Error(String(error));
  return { kind: 'error', message: cause.message, note: `${cause.name}(${cause.message})` };
}
