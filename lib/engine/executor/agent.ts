import { randomBytes } from 'node:crypto';
import { open, type FileHandle } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { describeExit, runCommand } from '../connection/run';
import type { Connection, ExitStatus, RemoteProcess } from '../connection/types';
import { MarkerScanner } from './marker';
import { messageOf } from '../../shared/errors';

/** Queued control bytes above which the agent's stdout is paused until the recorder catches up. */
const controlHighWaterBytes = 2 * 1024 * 1024;
/** Test output waiting to be written above which the agent's stderr is paused. */
const outputHighWaterBytes = 4 * 1024 * 1024;

/** What one attempt on the agent needs. Paths are on the remote. */
export interface AgentRequest {
  /** The test's script. */
  scriptPath: string;
  /** Files to write first, into existing folders: the script and metadata on the test's first attempt on this system. */
  writeFiles?: { path: string; content: string }[];
  /** The test's working directory. */
  fmfDir: string;
  pty: boolean;
  writeExitCode: boolean;
  environment: Record<string, string>;
  /** Local file the test's output is appended to. */
  outputPath: string;
  /** Called with each piece of output once it is in the output file. */
  onOutput?: (bytes: Buffer) => void;
}

/**
 * One test attempt running on the agent. `control` is its control stream (it
 * ends where the attempt's ends); `done` settles with the attempt's status once
 * the agent reported its end and every byte of output is in the output file,
 * or with the agent's own end if it went away first.
 */
export interface AgentAttempt {
  readonly control: ControlFeed;
  readonly done: Promise<ExitStatus>;
}

/**
 * The long-lived runner on a remote (test-agent.sh): one command per
 * connection that starts each test attempt on request, so a test costs no new
 * SSH session or container exec. See test-agent.sh for the protocol.
 */
export class RemoteAgent {
  private current: AttemptState | undefined;
  private stdoutScanner: MarkerScanner | undefined;
  private stderrScanner: MarkerScanner | undefined;
  private endedStatus: ExitStatus | undefined;
  private abandoned = false;
  /** Settles when the agent's command has ended. */
  readonly ended: Promise<ExitStatus>;

  private constructor(
    private readonly process: RemoteProcess,
    /** Only in this agent's command line (and its forks'): tells whether any of it still runs. */
    private readonly instance: string,
  ) {
    process.stdout.on('data', (chunk: Buffer) => this.onStdout(chunk));
    process.stderr.on('data', (chunk: Buffer) => this.onStderr(chunk));
    process.stdout.on('error', () => {});
    process.stderr.on('error', () => {});
    this.ended = process.exited.then((status) => {
      this.endedStatus = status;
      // a watcher left behind by a killed agent sees EOF and kills its test
      process.stdin.end();
      this.current?.agentEnded(status);
      return status;
    });
  }

  static async start(connection: Connection, agentPath: string): Promise<RemoteAgent> {
    const instance = randomBytes(12).toString('hex');
    return new RemoteAgent(await connection.run(['bash', agentPath, instance], { bulkStdout: true }), instance);
  }

  /**
   * Whether nothing of this agent (nor the test it ran) is left on the
   * system: after `disconnect`, the old boot is over once this is true, by a
   * real reboot or by the test killing itself. `stop` also asks what is left
   * to end (the agent takes its test down with it). Rejects when the check
   * cannot run (the connection is down).
   */
  async goneFrom(connection: Connection, { stop = false }: { stop?: boolean } = {}): Promise<boolean> {
    // the instance arrives in two halves and the pattern through stdin, so the check never matches itself
    const half = this.instance.length / 2;
    const check = [
      'pids=$(printf %s "$1$2" | grep -lsF -f - /proc/[0-9]*/cmdline | cut -d/ -f3)',
      '[[ -z $pids ]] && exit 0',
      '[[ $3 == stop ]] && kill -TERM $pids 2>/dev/null',
      'exit 1',
    ].join('\n');
    const result = await runCommand(connection, [
      'bash',
      '-c',
      check,
      'agent-check',
      this.instance.slice(0, half),
      this.instance.slice(half),
      stop ? 'stop' : 'look',
    ]);
    if (result.status.kind === 'exited' && (result.status.code === 0 || result.status.code === 1)) return result.status.code === 0;
    throw new Error(`checking for the previous test agent failed: ${describeExit(result.status)}`);
  }

  /** False once the agent ended or was abandoned: a new one is needed. */
  get usable(): boolean {
    return this.endedStatus === undefined && !this.abandoned;
  }

  run(request: AgentRequest): AgentAttempt {
    if (this.current) throw new Error('the test agent is already running a test');
    if (!this.usable) throw new Error('the test agent is gone');
    const token = randomBytes(16).toString('hex');
    const marker = Buffer.from(token);
    this.stdoutScanner = new MarkerScanner(marker);
    this.stderrScanner = new MarkerScanner(marker);
    const state = new AttemptState(request.outputPath, request.onOutput, this.process, () => {
      if (this.current === state) this.current = undefined;
    });
    this.current = state;
    if (request.writeFiles?.length) {
      const words = request.writeFiles.flatMap((file) => [file.path, file.content]);
      this.process.stdin.write(`write_files ${words.map(bashQuote).join(' ')}\n`);
    }
    const flags = [request.pty ? 'pty' : '', request.writeExitCode ? '' : 'noexitcode'].filter(Boolean).join(',');
    const words = [
      'run_test',
      ...[token, request.scriptPath, request.fmfDir, flags, ...Object.entries(request.environment).map(([k, v]) => `${k}=${v}`)].map(
        bashQuote,
      ),
    ];
    this.process.stdin.write(`${words.join(' ')}\n`);
    return state;
  }

  /** Asks the agent to kill the running test now; its attempt still ends as usual. */
  stopTest(): void {
    if (this.usable) this.process.stdin.write('stop\n');
  }

  /**
   * The test is about to reboot the system: give it `graceSeconds` after the
   * streams close, stop reading its control stream (so it sees EPIPE), and
   * stop using this agent.
   */
  disconnect(graceSeconds: number): void {
    this.abandoned = true;
    this.process.stdin.end(`disconnect ${graceSeconds}\n`);
    this.process.stdout.destroy();
  }

  /**
   * Stops using the agent: the running attempt (if any) keeps the output it
   * got; resolves once that output is on disk. `kill: false` (after
   * `disconnect`): the agent and its test are left to the grace period.
   */
  async abandon({ kill = true }: { kill?: boolean } = {}): Promise<void> {
    this.abandoned = true;
    const current = this.current;
    this.process.stdin.end();
    if (kill) this.process.kill();
    if (current) await current.detach();
  }

  /** Ends the agent (closing its stdin) and waits for it. */
  async close(): Promise<ExitStatus> {
    this.abandoned = true;
    this.process.stdin.end();
    return this.ended;
  }

  private onStdout(chunk: Buffer): void {
    const current = this.current;
    const scanner = this.stdoutScanner;
    if (!current || !scanner || scanner.markerFound) return; // between attempts: nobody's bytes
    const rest = scanner.push(chunk, (bytes) => {
      if (!current.control.push(bytes)) {
        this.process.stdout.pause();
        current.control.onDrain = () => this.process.stdout.resume();
      }
    });
    if (rest !== undefined) current.controlEnded(rest);
  }

  private onStderr(chunk: Buffer): void {
    const current = this.current;
    const scanner = this.stderrScanner;
    if (!current || !scanner || scanner.markerFound) return;
    const rest = scanner.push(chunk, (bytes) => current.output(bytes, this.process.stderr));
    if (rest !== undefined) current.outputEnded();
  }
}

/**
 * The control stream of one attempt as the recorder reads it: an async
 * iterable of chunks with backpressure (push returns false above the high
 * water mark; onDrain is called once the reader caught up). A reader that
 * stops early drops the rest.
 */
export class ControlFeed implements AsyncIterable<Buffer> {
  private readonly queue: Buffer[] = [];
  private queuedBytes = 0;
  private ended = false;
  private released = false;
  private waiter: ((result: IteratorResult<Buffer>) => void) | undefined;
  onDrain: (() => void) | undefined;

  /** False when the reader is behind: stop pushing until onDrain. */
  push(chunk: Buffer): boolean {
    if (this.ended || this.released) return true;
    const waiter = this.waiter;
    if (waiter) {
      this.waiter = undefined;
      waiter({ value: chunk, done: false });
      return true;
    }
    this.queue.push(chunk);
    this.queuedBytes += chunk.length;
    return this.queuedBytes < controlHighWaterBytes;
  }

  end(): void {
    if (this.ended) return;
    this.ended = true;
    const waiter = this.waiter;
    this.waiter = undefined;
    waiter?.({ value: undefined, done: true });
  }

  /** Whether the reader stopped before the end. */
  get wasReleased(): boolean {
    return this.released;
  }

  private drained(): void {
    const onDrain = this.onDrain;
    this.onDrain = undefined;
    onDrain?.();
  }

  [Symbol.asyncIterator](): AsyncIterator<Buffer> {
    return {
      next: () => {
        const chunk = this.queue.shift();
        if (chunk) {
          this.queuedBytes -= chunk.length;
          if (this.onDrain && this.queuedBytes < controlHighWaterBytes / 2) this.drained();
          return Promise.resolve({ value: chunk, done: false });
        }
        if (this.ended || this.released) return Promise.resolve({ value: undefined, done: true });
        return new Promise((resolve) => {
          this.waiter = resolve;
        });
      },
      return: () => {
        this.released = true;
        this.queue.length = 0;
        this.queuedBytes = 0;
        this.drained();
        return Promise.resolve({ value: undefined, done: true });
      },
    };
  }
}

class AttemptState implements AgentAttempt {
  readonly control = new ControlFeed();
  readonly done: Promise<ExitStatus>;
  private resolveDone!: (status: ExitStatus) => void;
  /** The attempt's status from the agent's end marker (3 digits and `\n` after it). */
  private statusBytes: Buffer[] = [];
  private status: ExitStatus | undefined;
  private outputDone = false;
  private file: Promise<FileHandle> | undefined;
  private writes: Promise<void> = Promise.resolve();
  private pendingOutputBytes = 0;
  private outputFailure: string | undefined;
  private finished = false;

  constructor(
    private readonly outputPath: string,
    private readonly onOutput: ((bytes: Buffer) => void) | undefined,
    private readonly process: RemoteProcess,
    private readonly release: () => void,
  ) {
    this.done = new Promise((resolve) => {
      this.resolveDone = resolve;
    });
  }

  controlEnded(rest: Buffer): void {
    this.control.end();
    this.statusBytes.push(rest);
    this.takeStatus();
  }

  /** More bytes after the marker: the status digits may arrive in pieces. */
  private takeStatus(): void {
    const bytes = Buffer.concat(this.statusBytes);
    if (bytes.length < 4) {
      this.statusBytes = [bytes];
      // the rest comes with the next chunks of stdout
      this.process.stdout.once('data', (chunk: Buffer) => {
        if (this.status || this.finished) return;
        this.statusBytes.push(chunk);
        this.takeStatus();
      });
      return;
    }
    const text = bytes.subarray(0, 4).toString('latin1');
    this.status = /^\d{3}\n$/.test(text)
      ? { kind: 'exited', code: Number(text.slice(0, 3)) }
      : { kind: 'lost', reason: `the test agent sent a bad end marker: ${JSON.stringify(text)}` };
    this.settleIfComplete();
  }

  output(bytes: Buffer, source: Readable): void {
    if (this.outputFailure) return;
    this.file ??= open(this.outputPath, 'a');
    this.pendingOutputBytes += bytes.length;
    if (this.pendingOutputBytes > outputHighWaterBytes) source.pause();
    const copy = bytes;
    this.writes = this.writes.then(async () => {
      try {
        const handle = await this.file!;
        let offset = 0;
        while (offset < copy.length) offset += (await handle.write(copy, offset)).bytesWritten;
        this.onOutput?.(copy);
      } catch (error) {
        this.outputFailure ??= `cannot store the test output: ${messageOf(error)}`;
      } finally {
        this.pendingOutputBytes -= copy.length;
        if (this.pendingOutputBytes <= outputHighWaterBytes / 2 && source.isPaused()) source.resume();
      }
    });
  }

  outputEnded(): void {
    this.outputDone = true;
    this.settleIfComplete();
  }

  /** The agent went away: the attempt ends with the agent's status unless it had reported its own. */
  agentEnded(status: ExitStatus): void {
    this.control.end();
    this.status ??= status.kind === 'exited' && status.code === 0 ? { kind: 'lost', reason: 'the test agent exited' } : status;
    this.outputDone = true;
    this.settleIfComplete();
  }

  /** Keeps what arrived, stops taking more. */
  async detach(): Promise<void> {
    this.control.end();
    this.status ??= { kind: 'lost', reason: 'the test agent was abandoned' };
    this.outputDone = true;
    this.settleIfComplete();
    await this.done;
  }

  private settleIfComplete(): void {
    if (this.finished || !this.status || !this.outputDone) return;
    this.finished = true;
    this.release();
    const status = this.status;
    void this.writes
      .then(async () => {
        if (this.file) await (await this.file).close();
      })
      .catch((error: Error) => {
        this.outputFailure ??= `cannot store the test output: ${error.message}`;
      })
      .then(() => this.resolveDone(this.outputFailure ? { kind: 'lost', reason: this.outputFailure } : status));
  }
}

/** Quotes a word for bash's `eval` on one line: $'...' with every control byte escaped. */
export function bashQuote(word: string): string {
  let quoted = "$'";
  for (const char of word) {
    const code = char.codePointAt(0)!;
    if (char === '\\' || char === "'") quoted += `\\${char}`;
    else if (code < 0x20 || code === 0x7f) quoted += `\\x${code.toString(16).padStart(2, '0')}`;
    else quoted += char;
  }
  return `${quoted}'`;
}
