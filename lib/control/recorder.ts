import type { AttemptEnd, ControlHandlers, ControlLimits, StreamEnd } from './index';

/** Records one test attempt's control stream(s) into its artifacts folder. */
export class AttemptRecorder {
  private constructor(
    readonly artifactsDir: string,
    readonly outputPath: string,
    private readonly limits: ControlLimits,
    private readonly handlers: ControlHandlers,
  ) {}

  static async create(
    artifactsDir: string,
    options: { limits?: Partial<ControlLimits> } & ControlHandlers = {},
  ): Promise<AttemptRecorder> {
    throw new Error(`not implemented: ${artifactsDir} ${JSON.stringify(options.limits)}`);
  }

  async consume(stream: NodeJS.ReadableStream): Promise<StreamEnd> {
    throw new Error(`not implemented ${String(stream)} ${String(this.limits)} ${String(this.handlers)}`);
  }

  async finish(end: AttemptEnd): Promise<Array<Record<string, unknown>>> {
    throw new Error(`not implemented ${JSON.stringify(end)}`);
  }
}
