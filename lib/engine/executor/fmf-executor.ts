import { readFileSync } from 'node:fs';
import path from 'node:path';
import { AttemptRecorder, type ControlLimits, type StreamEnd } from '../control';
import { describeExit, runCommand, succeeded } from '../connection/run';
import type { Connection, ExitStatus } from '../connection/types';
import { RemoteAgent, type AgentAttempt, type AgentRequest } from './agent';
import { Deadline } from './deadline';
import { ControlStreamError, ExecutorError, TestAbortedError, TestSetupError, noteFor } from './errors';
import { packageInstallScript, planShellScript, testScript } from './scripts';
import { startTimer } from './timer';
import { archiveTree } from './tree-archive';
import type { ExecutableTest, PlanStep, TestSuite } from './types';
import { awaitedLater } from '../../shared/errors';

const agentScript = readFileSync(path.join(import.meta.dirname, 'test-agent.sh'), 'utf8');

/** How long a stopped test gets to be killed and reported before the transport is dropped under it. */
const stopGraceMs = 10_000;
/** How long output written before `disconnect` gets to arrive before the transport is cut. */
const outputSettleMs = 250;
/** Pause between reconnect attempts while a rebooting system is away. */
const reconnectRetryMs = 500;
/** A reconnect attempt that has neither connected nor failed by then is dropped and made again. */
const reconnectAttemptMs = 60_000;
/** atex's words for a test that ran out of its duration. */
const durationTimeout = 'test duration timeout reached';

export interface FmfExecutorOptions {
  /** Added to every test's and every plan script's environment (after plan and test `environment`). */
  environment?: Record<string, string>;
  limits?: Partial<ControlLimits>;
  /** atex's debugging switches: the wrapper writes no `exitcode` line. */
  wrapperWritesExitCode?: boolean;
}

export interface RunTestOptions {
  environment?: Record<string, string>;
  /** Aborting stops the test at once (TestAbortedError "cancel requested"). */
  signal?: AbortSignal;
  /** Gets the test's output as it arrives, each piece once it is in the output file. */
  onOutput?: (bytes: Buffer) => void;
}

export interface TestRun {
  exitCode: number;
  /** How many times the test was restarted after announcing a reboot. */
  reboots: number;
}

/** Remote paths, all inside one work directory created by `setup()`. */
interface RemoteLayout {
  workDir: string;
  tree: string;
  agent: string;
  planEnvironmentFile: string;
  /** Per test (by name): where its script and metadata go, side by side in one folder of the upload. */
  testFiles: Map<string, { script: string; metadata: string }>;
  /** Tests whose files the agent was asked to write. */
  testsWritten: Set<string>;
}

/**
 * Runs fmf tests on one remote through one Connection: `setup()` uploads the
 * tree and the test agent once and starts the agent (one long-lived command
 * on the remote); after that each test costs one request line to the agent
 * (two the first time, which write its script and metadata: a test runs
 * on few of the remotes, and thousands of small files cost a slow disk more
 * than the run itself), no new session or exec (plus a
 * package check the first time a test with `require`/`recommend` runs). The
 * agent is started again after a reboot or when it went away.
 */
export class FmfExecutor {
  private layout: RemoteLayout | undefined;
  private agent: RemoteAgent | undefined;
  private testRunning = false;
  private readonly testsWithPackages = new Set<string>();

  constructor(
    private readonly connection: Connection,
    private readonly suite: TestSuite,
    private readonly options: FmfExecutorOptions = {},
  ) {}

  /** Creates the remote work directory, uploads the tree and the wrapper, runs the plan's `prepare`. */
  async setup(): Promise<void> {
    await this.connection.connect();
    const created = await runCommand(this.connection, ['mktemp', '-d', '-p', '/var/tmp', 'testyard-XXXXXXXXXX']);
    if (!succeeded(created.status)) {
      throw new TestSetupError(`cannot create a work directory: ${created.stderr.trim() || describeExit(created.status)}`);
    }
    const workDir = created.stdout.trim();
    const layout: RemoteLayout = {
      workDir,
      tree: `${workDir}/tree`,
      agent: `${workDir}/test-agent.sh`,
      planEnvironmentFile: `${workDir}/plan_env`,
      testFiles: new Map(
        [...this.suite.tests.keys()].map((name, index) => [
          name,
          { script: `${workDir}/tests/${index}.sh`, metadata: `${workDir}/tests/${index}.metadata.yaml` },
        ]),
      ),
      testsWritten: new Set(),
    };
    await this.connection.upload(
      archiveTree(this.suite.parts, 'tree', [
        { name: 'test-agent.sh', content: agentScript },
        { name: 'plan_env', content: '' },
        { name: 'tests', directory: true },
      ]),
      workDir,
    );
    this.layout = layout;
    await this.runPlanSteps('prepare', this.suite.plan.prepare);
    this.agent = await RemoteAgent.start(this.connection, layout.agent);
  }

  /** Runs the plan's `finish` and removes the work directory. */
  async teardown(): Promise<void> {
    const layout = this.layout;
    if (!layout) return;
    try {
      await this.closeAgent();
      await this.runPlanSteps('finish', this.suite.plan.finish);
    } finally {
      this.layout = undefined;
      await runCommand(this.connection, ['rm', '-rf', layout.workDir]);
    }
  }

  /**
   * Runs one test attempt and writes its `results` and `files/` into
   * `artifactsDir`. Resolves with the test's exit code when the test ran to
   * its end; rejects (after writing the fallback result) when the runner had
   * to end it: TestSetupError, TestAbortedError, ControlStreamError.
   */
  async runTest(name: string, artifactsDir: string, options: RunTestOptions = {}): Promise<TestRun> {
    const layout = this.requireLayout();
    const test = this.suite.tests.get(name);
    if (!test) throw new ExecutorError(`test ${name} is not in the plan`);
    // a test's script and metadata have one place per remote
    if (this.testRunning) throw new ExecutorError(`cannot run ${name}: another test is running on ${this.connection.label}`);
    this.testRunning = true;
    let deadline: Deadline | undefined;
    const recorder = await AttemptRecorder.create(artifactsDir, {
      limits: this.options.limits,
      onDuration: (change) => deadline?.apply(change),
    });
    try {
      await this.installTestPackages(test);
      deadline = new Deadline(test.durationSeconds);
      const { exitCode, reboots } = await this.runAttempt(test, layout, recorder, deadline, options);
      await recorder.finish({ exitCode });
      return { exitCode, reboots };
    } catch (error) {
      if (!(error instanceof ExecutorError)) throw error;
      await recorder.finish({ abort: noteFor(error) });
      throw error;
    } finally {
      deadline?.dispose();
      this.testRunning = false;
    }
  }

  private async runAttempt(
    test: ExecutableTest,
    layout: RemoteLayout,
    recorder: AttemptRecorder,
    deadline: Deadline,
    { environment = {}, signal, onOutput }: RunTestOptions,
  ): Promise<{ exitCode: number; reboots: number }> {
    const stopped = new Promise<string>((resolve) => {
      void deadline.expired.then(() => resolve(durationTimeout));
      if (signal?.aborted) resolve('cancel requested');
      signal?.addEventListener('abort', () => resolve('cancel requested'), { once: true });
    });
    const request = (reboots: number) => ({
      ...this.agentRequest(test, layout, recorder, { ...environment, ...rebootCounters(reboots) }),
      onOutput,
    });

    for (let reboots = 0; ; reboots++) {
      const agent = await this.startWithin(stopped, () => this.readyAgent(layout));
      const running = agent.run(request(reboots));
      // whatever follows the end of the control stream is not trusted; the
      // agent drops it once the recorder let go
      const consumed = recorder.consume(running.control);
      const outcome = await Promise.race([
        consumed.then((end) => ({ kind: 'stream' as const, end })),
        stopped.then((reason) => ({ kind: 'stopped' as const, reason })),
      ]);
      if (outcome.kind === 'stopped') {
        await this.stop(agent, running);
        // the recorder must be done with the stream before the fallback result is written
        await consumed;
        throw new TestAbortedError(outcome.reason);
      }
      const end: StreamEnd = outcome.end;
      switch (end.kind) {
        case 'exitcode': {
          const status = await Promise.race([running.done, stopped.then(() => undefined)]);
          if (!status) {
            await this.stop(agent, running);
            throw new TestAbortedError(durationTimeout);
          }
          if (!succeeded(status)) throw wrapperFailure(status);
          return { exitCode: end.code, reboots };
        }
        case 'disconnect':
          // the test reboots the system once it sees the stream close: give it
          // the rest of its time, then drop the transport and wait for the system
          this.agent = undefined;
          agent.disconnect(Math.ceil(deadline.remainingMs() / 1000));
          // output and control travel separately; let what the test wrote
          // before `disconnect` arrive before the cut
          await startTimer(outputSettleMs).elapsed;
          this.connection.disconnect();
          await agent.abandon({ kill: false });
          await this.reconnectAfterReboot(agent, stopped);
          break;
        case 'eof': {
          const status = await this.stop(agent, running);
          if (succeeded(status)) throw new TestAbortedError('exitcode not reported, wrapper bug?');
          throw wrapperFailure(status);
        }
        case 'error':
          await this.stop(agent, running);
          throw new ControlStreamError(end.message, end.note);
      }
    }
  }

  private agentRequest(
    test: ExecutableTest,
    layout: RemoteLayout,
    recorder: AttemptRecorder,
    extraEnvironment: Record<string, string>,
  ): AgentRequest {
    const files = layout.testFiles.get(test.name);
    if (!files) throw new ExecutorError(`test ${test.name} is not in the plan`);
    const written = layout.testsWritten.has(test.name);
    layout.testsWritten.add(test.name);
    return {
      scriptPath: files.script,
      writeFiles: written
        ? undefined
        : [
            { path: files.script, content: testScript(test.command) },
            // JSON is YAML: tests that parse TMT_TEST_METADATA as YAML read it as is
            { path: files.metadata, content: JSON.stringify(test.metadata) },
          ],
      fmfDir: path.posix.join(layout.tree, test.directory),
      pty: test.tty,
      writeExitCode: this.options.wrapperWritesExitCode !== false,
      environment: {
        ...this.suite.plan.environment,
        TMT_PLAN_ENVIRONMENT_FILE: layout.planEnvironmentFile,
        TMT_TEST_NAME: test.name,
        TMT_TEST_METADATA: files.metadata,
        ...test.environment,
        ...this.commonEnvironment(layout),
        ...extraEnvironment,
      },
      outputPath: testOutputTarget(recorder),
    };
  }

  private commonEnvironment(layout: RemoteLayout): Record<string, string> {
    return { ...this.options.environment, TMT_TREE: layout.tree };
  }

  /** The running agent, or a new one when there is none (first use, after a reboot, after it went away). */
  private async readyAgent(layout: RemoteLayout): Promise<RemoteAgent> {
    if (this.agent?.usable) return this.agent;
    const gone = this.agent;
    this.agent = undefined;
    await gone?.abandon();
    this.agent = await RemoteAgent.start(this.connection, layout.agent);
    return this.agent;
  }

  private async closeAgent(): Promise<void> {
    const agent = this.agent;
    this.agent = undefined;
    if (!agent) return;
    const grace = startTimer(stopGraceMs);
    const status = await Promise.race([agent.close(), grace.elapsed.then(() => undefined)]);
    grace.cancel();
    if (!status) await agent.abandon();
  }

  /** Starts something unless the attempt is stopped first. */
  private async startWithin<T>(stopped: Promise<string>, start: () => Promise<T>): Promise<T> {
    const started = start();
    const outcome = await Promise.race([started, stopped.then((reason) => new TestAbortedError(reason))]);
    if (outcome instanceof TestAbortedError) {
      started.catch(awaitedLater);
      throw outcome;
    }
    return outcome as T;
  }

  /**
   * Has the agent kill the test's process group and waits for the attempt's
   * end; if that does not come, the agent is dropped with the transport.
   */
  private async stop(agent: RemoteAgent, running: AgentAttempt): Promise<ExitStatus> {
    agent.stopTest();
    const grace = startTimer(stopGraceMs);
    const status = await Promise.race([running.done, grace.elapsed.then(() => undefined)]);
    grace.cancel();
    if (status) return status;
    if (this.agent === agent) this.agent = undefined;
    this.connection.disconnect();
    await agent.abandon();
    return running.done;
  }

  /**
   * Reconnects after an announced reboot, until it works or the attempt is
   * stopped. A real system takes a while to go down after the test asked for
   * the reboot, and answers meanwhile: the old boot is over only once nothing
   * of the previous agent runs there any more.
   */
  private async reconnectAfterReboot(previous: RemoteAgent, stopped: Promise<string>): Promise<void> {
    let stopReason: string | undefined;
    void stopped.then((reason) => {
      stopReason = reason;
    });
    for (;;) {
      const patience = startTimer(reconnectAttemptMs);
      const attempt = await Promise.race([
        patience.elapsed.then(() => 'hung' as const),
        this.connection.connect().then(
          // a container cannot reboot, and its test never sees the stream break: end what is left of it
          () =>
            previous.goneFrom(this.connection, { stop: this.connection.disconnectKeepsCommands === true }).then(
              (gone) => (gone ? ('connected' as const) : ('old boot' as const)),
              () => 'failed' as const,
            ),
          () => 'failed' as const,
        ),
        stopped.then(() => 'stopped' as const),
      ]);
      patience.cancel();
      if (attempt === 'connected') return;
      if (attempt === 'hung') this.connection.disconnect();
      if (attempt === 'stopped' || stopReason) {
        const reason = stopReason ?? 'stopped while reconnecting';
        // out of time while the system is still away: it did not come back from the test's reboot
        if (reason === durationTimeout) throw new TestAbortedError(`${reason}: the system did not come back after a reboot`, true);
        throw new TestAbortedError(reason);
      }
      const pause = startTimer(reconnectRetryMs);
      await Promise.race([pause.elapsed, stopped]);
      pause.cancel();
    }
  }

  private async installTestPackages(test: ExecutableTest): Promise<void> {
    if (this.testsWithPackages.has(test.name)) return;
    if (test.require.length || test.recommend.length) {
      const result = await runCommand(this.connection, [
        'bash',
        '-c',
        packageInstallScript({ required: test.require, recommended: test.recommend }),
      ]);
      if (!succeeded(result.status)) {
        throw new TestSetupError(
          `installing ${test.require.join(' ')} failed (${describeExit(result.status)}): ${(result.stderr + result.stdout).trim()}`,
        );
      }
    }
    this.testsWithPackages.add(test.name);
  }

  private async runPlanSteps(phase: 'prepare' | 'finish', steps: PlanStep[]): Promise<void> {
    const layout = this.requireLayout();
    const environment = {
      ...this.suite.plan.environment,
      ...this.commonEnvironment(layout),
      TMT_PLAN_ENVIRONMENT_FILE: layout.planEnvironmentFile,
    };
    const envArgs = Object.entries(environment).map(([key, value]) => `${key}=${value}`);
    for (const step of steps) {
      const commands =
        step.how === 'install'
          ? step.packages.length
            ? [['bash', '-c', packageInstallScript({ required: step.packages })]]
            : []
          : step.scripts.map((script) => ['env', ...envArgs, 'bash', '-c', planShellScript(script, layout.tree)]);
      for (const argv of commands) {
        const result = await runCommand(this.connection, argv);
        if (!succeeded(result.status)) {
          throw new TestSetupError(
            `plan ${phase} (${step.how}) failed with ${describeExit(result.status)}: ${(result.stderr + result.stdout).trim()}`,
          );
        }
      }
    }
  }

  private requireLayout(): RemoteLayout {
    if (!this.layout) throw new ExecutorError('setup() has not run on this remote');
    return this.layout;
  }
}

function rebootCounters(reboots: number): Record<string, string> {
  return { TMT_REBOOT_COUNT: String(reboots), TMT_TEST_RESTART_COUNT: String(reboots) };
}

/** A wrapper that exited has a system under it that still answers; a lost one, a connection that broke. */
function wrapperFailure(status: ExitStatus): TestAbortedError {
  return new TestAbortedError(
    `test wrapper ${status.kind === 'lost' ? `lost: ${status.reason}` : `unexpectedly exited with ${describeExit(status)}`} and disconnect was not sent via test control`,
    status.kind === 'lost',
  );
}

/** atex's ATEX_DEBUG_TEST_OUTPUT_FD: test output goes to one of the worker's descriptors instead of output.txt. */
function testOutputTarget(recorder: AttemptRecorder): string {
  const debugFd = process.env.ATEX_DEBUG_TEST_OUTPUT_FD;
  return debugFd && /^\d+$/.test(debugFd) ? `/dev/fd/${debugFd}` : recorder.outputPath;
}
