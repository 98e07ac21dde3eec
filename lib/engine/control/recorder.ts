import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ArtifactsWriter, resultsFileName, type FallbackCause } from './artifacts';
import { ByteBudget, ControlReader, type BufferStats, type ControlSource } from './control-reader';
import { readControlStream } from './control-stream';
import { ControlError } from './errors';
import type { AttemptEnd, ControlHandlers, ControlLimits, StreamEnd } from './index';
import { resolveControlLimits } from './limits';

type StreamError = Extract<StreamEnd, { kind: 'error' }>;

/** A stream error, and whether it only means the stream was cut short (see `finish`). */
interface RecordedStreamError {
  end: StreamError;
  streamCut: boolean;
}

/**
 * Records one test attempt: every control stream the test writes (one per
 * boot) and, at the end, the fallback result. See index.ts for the contract.
 */
export class AttemptRecorder {
  private readonly budget: ByteBudget;
  private readonly bufferStats: BufferStats = { peakBufferedBytes: 0 };
  private streamError: RecordedStreamError | null = null;
  private consuming = false;
  private finished = false;

  private constructor(
    private readonly artifacts: ArtifactsWriter,
    private readonly limits: ControlLimits,
    private readonly handlers: ControlHandlers,
  ) {
    this.budget = new ByteBudget(limits.maxTotalBytes);
  }

  static async create(artifactsDir: string, options: { limits?: Partial<ControlLimits> } & ControlHandlers = {}): Promise<AttemptRecorder> {
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

  /** `stream`: a Node stream or any async iterable of chunks (e.g. a stream split off a longer one). */
  async consume(stream: ControlSource): Promise<StreamEnd> {
    if (this.finished) throw new Error('AttemptRecorder.consume() called after finish()');
    if (this.consuming) throw new Error('AttemptRecorder.consume() called while another stream is being consumed');
    if (this.streamError) return this.streamError.end;
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
      this.streamError = recordStreamError(error);
      end = this.streamError.end;
    } finally {
      this.consuming = false;
    }
    await reader.release().catch(() => undefined);
    return end;
  }

  async finish(end: AttemptEnd): Promise<void> {
    if (this.finished) throw new Error('AttemptRecorder.finish() called twice');
    if (this.consuming) throw new Error('AttemptRecorder.finish() called while a stream is being consumed');
    this.finished = true;
    await this.artifacts.finish(fallbackCause(this.streamError, end));
  }

  /** The `results` file, parsed: what `finish` completed (not read back unless asked, as few callers need it). */
  async readResults(): Promise<Array<Record<string, unknown>>> {
    const results = await readFile(this.resultsPath, 'utf8');
    return results
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
  }
}

function recordStreamError(error: unknown): RecordedStreamError {
  if (error instanceof ControlError) {
    return { end: { kind: 'error', message: error.message, note: error.note }, streamCut: error.streamCut };
  }
  // Not the test's doing (a read failure, a full disk): whatever the runner reports is closer to the cause.
  const cause = error instanceof Error ? error : new Error(String(error));
  return { end: { kind: 'error', message: cause.message, note: `${cause.name}(${cause.message})` }, streamCut: true };
}

/**
 * A protocol violation names the cause of the attempt's end, whatever the
 * runner says afterwards. A stream that was merely cut short is usually the
 * runner's own doing (it killed the test on a timeout): then its abort note
 * wins, as in atex.
 */
function fallbackCause(streamError: RecordedStreamError | null, end: AttemptEnd): FallbackCause {
  if (streamError && !(streamError.streamCut && 'abort' in end)) return { abortNote: streamError.end.note };
  return 'abort' in end ? { abortNote: end.abort } : { exitCode: end.exitCode };
}
