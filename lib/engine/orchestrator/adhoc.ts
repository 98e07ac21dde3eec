import type { RunEvent } from '../../shared/events/catalogue';
import { isSystemFailure } from '../executor/errors';
import { ProvisionError, type Provisioner, type Remote } from '../provision/types';
import { temporaryAttemptDirectories, type AttemptDirectories } from './attempt-directories';
import { defaultPolicies, failureReason, type Policies } from './policies';
import type { Aggregator, AttemptOutcome, SchedulableTest, TestExecutor } from './types';
import { ignoreCleanupFailure, messageOf } from '../../shared/errors';

export interface ResumeState {
  /** Tests whose final attempt is already stored (they are not run again): name → passed. */
  finished: ReadonlyMap<string, boolean>;
  /** The highest attempt number already stored per test, superseded attempts included. */
  lastAttempts: ReadonlyMap<string, number>;
}

export interface OrchestratorOptions {
  /** The run platform's name, for events. */
  platform: string;
  tests: readonly SchedulableTest[];
  /** Remotes are requested evenly from these; the orchestrator starts and stops them. */
  provisioners: readonly Provisioner[];
  createExecutor: (remote: Remote) => TestExecutor;
  aggregator: Aggregator;
  onEvent?: (event: RunEvent) => void;
  /** A running attempt's output as it arrives (docs/ORCHESTRATION.md, "Live output and collaboration"). */
  onOutput?: (attempt: RunningAttempt, bytes: Buffer) => void;
  /** Most remotes running tests at once (default: one per test). */
  maxRemotes?: number;
  /** Set-up remotes held unused, ready to replace destroyed ones (default 0). */
  maxSpares?: number;
  /** Reruns of an unsuccessful test (default 2); ignored when `policies.shouldBeRerun` is given. */
  reruns?: number;
  /** Failed setups (and failed provisioning requests) tolerated before the platform fails (default 10). */
  maxFailedSetups?: number;
  policies?: Partial<Policies>;
  resume?: ResumeState;
  attemptDirectories?: AttemptDirectories;
  /** Aborting it is `stop()`. */
  signal?: AbortSignal;
}

/** One attempt of a test on a remote, as `onOutput` names it. */
export interface RunningAttempt {
  platform: string;
  test: string;
  attempt: number;
  remote: string;
}

export type PlatformStatus = 'passed' | 'failed' | 'error' | 'cancelled';

export interface PlatformOutcome {
  status: PlatformStatus;
  /** Why the platform ended in `error` or `cancelled`. */
  error: string | null;
  total: number;
  passed: number;
  failed: number;
  /** Remotes whose release failed (not fatal: the provisioner's stop() gets another go). */
  releaseErrors: string[];
}

type SlotState = 'setting-up' | 'ready' | 'busy' | 'releasing';

interface RemoteSlot {
  readonly remote: Remote;
  readonly provisioner: Provisioner;
  executor: TestExecutor | undefined;
  state: SlotState;
}

/**
 * atex's AdHocOrchestrator for one platform, driven by promises instead of a
 * polling loop: every remote that finishes setup or a test takes the next
 * test in the same tick. The rules are in docs/ORCHESTRATION.md, "Ad-hoc orchestration rules".
 */
export class AdHocOrchestrator {
  private readonly platform: string;
  private readonly policies: Policies;
  private readonly maxRemotes: number;
  private readonly maxSpares: number;
  private readonly maxFailedSetups: number;
  private readonly directories: AttemptDirectories;
  private readonly emit: (event: RunEvent) => void;
  private readonly total: number;

  private readonly queue: SchedulableTest[] = [];
  private readonly nextAttempt = new Map<string, number>();
  private readonly slots = new Set<RemoteSlot>();
  private readonly ready: RemoteSlot[] = [];
  private readonly releases = new Set<Promise<void>>();
  private readonly releaseErrors: string[] = [];
  /** One per running attempt (not one shared signal: the executor leaves a listener on the signal of every test it ran). */
  private readonly runningAttempts = new Set<AbortController>();
  /** Aborts waiting for remotes once the platform is done. */
  private readonly provisioningStopped = new AbortController();
  private pendingRequests = 0;
  private running = 0;
  private pendingIngests = 0;
  private failedSetups = 0;
  private passed = 0;
  private failed = 0;
  private halt: { status: 'error' | 'cancelled'; reason: string } | undefined;
  private resolveSettled: () => void = () => {};
  private outcome: Promise<PlatformOutcome> | undefined;

  constructor(private readonly options: OrchestratorOptions) {
    this.platform = options.platform;
    const reruns = nonNegativeInteger(options.reruns ?? 2, 'reruns');
    this.policies = { ...defaultPolicies(reruns), ...options.policies };
    this.maxRemotes = options.maxRemotes === undefined ? Infinity : positiveInteger(options.maxRemotes, 'maxRemotes');
    this.maxSpares = nonNegativeInteger(options.maxSpares ?? 0, 'maxSpares');
    this.maxFailedSetups = nonNegativeInteger(options.maxFailedSetups ?? 10, 'maxFailedSetups');
    this.directories = options.attemptDirectories ?? temporaryAttemptDirectories();
    this.emit = options.onEvent ?? (() => {});
    if (options.provisioners.length === 0) throw new Error(`platform ${this.platform}: no provisioners given`);

    const seen = new Set<string>();
    for (const test of options.tests) {
      if (seen.has(test.name)) throw new Error(`platform ${this.platform}: test ${test.name} is listed twice`);
      seen.add(test.name);
      const finished = options.resume?.finished.get(test.name);
      if (finished === true) this.passed++;
      else if (finished === false) this.failed++;
      else this.queue.push(test);
      this.nextAttempt.set(test.name, (options.resume?.lastAttempts.get(test.name) ?? 0) + 1);
    }
    this.total = options.tests.length;
  }

  /** Runs the platform to its end; resolves once every remote is released and every provisioner stopped. */
  run(): Promise<PlatformOutcome> {
    this.outcome ??= this.runToEnd();
    return this.outcome;
  }

  /** Cancels running tests, releases every remote; resolves like `run()`. */
  stop(reason = 'stopped'): Promise<PlatformOutcome> {
    this.stopWith('cancelled', reason);
    return this.run();
  }

  private async runToEnd(): Promise<PlatformOutcome> {
    const settled = new Promise<void>((resolve) => (this.resolveSettled = resolve));
    const { signal } = this.options;
    const onAbort = () => this.stopWith('cancelled', signal?.reason instanceof Error ? signal.reason.message : 'cancelled');
    signal?.addEventListener('abort', onAbort, { once: true });

    this.emit({ type: 'platform.started', platform: this.platform, tests: this.total });
    this.emitProgress();
    try {
      await Promise.all(this.options.provisioners.map((provisioner) => provisioner.start()));
    } catch (error) {
      this.stopWith('error', `cannot start provisioning: ${messageOf(error)}`);
    }
    if (signal?.aborted) onAbort();
    if (!this.halt) this.requestInitialRemotes();
    this.checkSettled();
    await settled;

    signal?.removeEventListener('abort', onAbort);
    this.provisioningStopped.abort();
    for (const slot of [...this.slots]) this.release(slot, slot.state !== 'ready');
    await Promise.all(this.releases);
    await Promise.all(
      this.options.provisioners.map((provisioner) =>
        provisioner.stop().catch((error: unknown) => this.releaseErrors.push(`${provisioner.label}: stop: ${messageOf(error)}`)),
      ),
    );
    const outcome = this.platformOutcome();
    this.emit({ type: 'platform.finished', platform: this.platform, status: outcome.status, error: outcome.error });
    return outcome;
  }

  private platformOutcome(): PlatformOutcome {
    const status: PlatformStatus = this.halt?.status ?? (this.failed > 0 ? 'failed' : 'passed');
    return {
      status,
      error: this.halt?.reason ?? null,
      total: this.total,
      passed: this.passed,
      failed: this.failed,
      releaseErrors: this.releaseErrors,
    };
  }

  private requestInitialRemotes(): void {
    if (this.queue.length === 0) return;
    const wanted = Math.min(this.maxRemotes, this.queue.length) + this.maxSpares;
    const provisioners = this.options.provisioners;
    const counts = shareRequests(
      wanted,
      provisioners.map((provisioner) => provisioner.capacity ?? Infinity),
    );
    provisioners.forEach((provisioner, index) => {
      if (counts[index]! > 0) this.request(provisioner, counts[index]!);
    });
  }

  private request(provisioner: Provisioner, count: number): void {
    this.emit({ type: 'remote.requested', platform: this.platform, count });
    provisioner.provision(count);
    for (let index = 0; index < count; index++) {
      this.pendingRequests++;
      provisioner.getRemote(this.provisioningStopped.signal).then(
        (remote) => {
          this.pendingRequests--;
          this.onRemote(provisioner, remote);
        },
        (error: unknown) => {
          this.pendingRequests--;
          if (this.provisioningStopped.signal.aborted) return;
          const system = error instanceof ProvisionError ? error.system : undefined;
          this.emit({ type: 'remote.provision-failed', platform: this.platform, error: messageOf(error), ...(system && { system }) });
          this.countFailedSetup(provisioner, `provisioning failed: ${messageOf(error)}`);
        },
      );
    }
  }

  /** Remotes wanted now: one per test that is queued or running (up to maxRemotes), plus the spares. */
  private remotesWanted(): number {
    if (this.halt) return 0;
    const work = this.queue.length + this.running;
    return work === 0 ? 0 : Math.min(this.maxRemotes, work) + this.maxSpares;
  }

  /** Remotes that are, or will be, able to run tests. */
  private remotesUsable(): number {
    return this.slots.size;
  }

  private onRemote(provisioner: Provisioner, remote: Remote): void {
    const slot: RemoteSlot = { remote, provisioner, executor: undefined, state: 'setting-up' };
    this.slots.add(slot);
    this.emit({ type: 'remote.provisioned', platform: this.platform, remote: remote.id });
    if (this.remotesUsable() > this.remotesWanted()) {
      this.release(slot, false);
      return;
    }
    this.emit({ type: 'remote.setup-started', platform: this.platform, remote: remote.id });
    void this.setUp(slot);
  }

  private async setUp(slot: RemoteSlot): Promise<void> {
    try {
      slot.executor = this.options.createExecutor(slot.remote);
      await slot.executor.setup();
    } catch (error) {
      if (slot.state !== 'setting-up') return;
      this.emit({ type: 'remote.setup-failed', platform: this.platform, remote: slot.remote.id, error: messageOf(error) });
      this.release(slot, true);
      this.countFailedSetup(slot.provisioner, `setup of ${slot.remote.id} failed: ${messageOf(error)}`);
      this.checkSettled();
      return;
    }
    if (slot.state !== 'setting-up') return;
    this.emit({ type: 'remote.ready', platform: this.platform, remote: slot.remote.id });
    this.makeReady(slot);
    this.dispatch();
    this.releaseExtraSpares();
  }

  private countFailedSetup(provisioner: Provisioner, problem: string): void {
    this.failedSetups++;
    if (this.failedSetups > this.maxFailedSetups) {
      this.stopWith('error', `setup retries exceeded (${this.failedSetups} failed, limit ${this.maxFailedSetups}); last: ${problem}`);
      return;
    }
    this.replaceIfNeeded(provisioner);
  }

  /** After a remote was lost: ask the same provisioner for one more if the remaining ones are not enough. */
  private replaceIfNeeded(provisioner: Provisioner): void {
    if (this.remotesUsable() + this.pendingRequests < this.remotesWanted()) this.request(provisioner, 1);
  }

  private makeReady(slot: RemoteSlot): void {
    slot.state = 'ready';
    this.ready.push(slot);
  }

  /** Every free remote takes the next test. */
  private dispatch(): void {
    while (this.queue.length > 0 && this.ready.length > 0 && !this.halt) {
      const slot = this.ready.pop()!;
      const test = this.policies.nextTest(this.queue);
      const index = this.queue.indexOf(test);
      if (index < 0) throw new Error(`nextTest policy returned ${test.name}, which is not queued`);
      this.queue.splice(index, 1);
      void this.runAttempt(slot, test);
    }
  }

  private async runAttempt(slot: RemoteSlot, test: SchedulableTest): Promise<void> {
    const attempt = this.nextAttempt.get(test.name)!;
    this.nextAttempt.set(test.name, attempt + 1);
    slot.state = 'busy';
    this.running++;
    this.emit({ type: 'test.started', platform: this.platform, remote: slot.remote.id, test: test.name, attempt });

    let artifactsDir = '';
    let exitCode: number | null = null;
    let exception: string | null = null;
    let systemFailed = false;
    const startedAt = new Date();
    const cancel = new AbortController();
    this.runningAttempts.add(cancel);
    try {
      artifactsDir = await this.directories.create(test.name, attempt);
      const { onOutput } = this.options;
      const running: RunningAttempt = { platform: this.platform, test: test.name, attempt, remote: slot.remote.id };
      ({ exitCode } = await slot.executor!.runTest(test.name, artifactsDir, {
        signal: cancel.signal,
        onOutput: onOutput && ((bytes) => onOutput(running, bytes)),
      }));
    } catch (error) {
      exception = error instanceof Error ? `${error.name}(${error.message})` : String(error);
      systemFailed = isSystemFailure(error);
    } finally {
      this.runningAttempts.delete(cancel);
    }
    const outcome: AttemptOutcome = {
      testName: test.name,
      attempt,
      remoteId: slot.remote.id,
      artifactsDir,
      exitCode,
      exception,
      startedAt,
      finishedAt: new Date(),
      rerunReason: null,
    };
    this.running--;
    this.emit({
      type: 'test.finished',
      platform: this.platform,
      remote: slot.remote.id,
      test: test.name,
      attempt,
      exitCode,
      exception,
      systemFailed,
    });
    this.afterAttempt(slot, test, outcome);
  }

  private afterAttempt(slot: RemoteSlot, test: SchedulableTest, outcome: AttemptOutcome): void {
    if (this.halt) {
      // a cancelled attempt is not a result: a resumed platform runs it again
      this.release(slot, true);
      if (outcome.artifactsDir) void this.directories.dispose(outcome.artifactsDir).catch(ignoreCleanupFailure);
      this.checkSettled();
      return;
    }
    const successful = this.policies.wasSuccessful(outcome);
    if (!successful && this.policies.shouldBeRerun(test, outcome)) {
      outcome.rerunReason = failureReason(outcome);
      this.queue.push(test);
      this.emit({
        type: 'test.rerun-scheduled',
        platform: this.platform,
        test: test.name,
        attempt: outcome.attempt + 1,
        reason: outcome.rerunReason,
      });
    }
    if (outcome.exception !== null || this.policies.destructive(test, outcome)) {
      this.release(slot, true);
      this.replaceIfNeeded(slot.provisioner);
    } else {
      this.makeReady(slot);
    }
    this.ingest(outcome, successful);
    this.dispatch();
    this.releaseExtraSpares();
    this.checkSettled();
  }

  /** The test counts as done only once its attempt is stored. */
  private ingest(outcome: AttemptOutcome, successful: boolean): void {
    this.pendingIngests++;
    this.options.aggregator
      .ingest(outcome)
      .then(
        async () => {
          if (outcome.rerunReason === null) {
            if (successful) this.passed++;
            else this.failed++;
            this.emitProgress();
          }
          if (outcome.artifactsDir) await this.directories.dispose(outcome.artifactsDir).catch(ignoreCleanupFailure);
        },
        (error: unknown) => this.stopWith('error', `storing ${outcome.testName} attempt ${outcome.attempt} failed: ${messageOf(error)}`),
      )
      .finally(() => {
        this.pendingIngests--;
        this.checkSettled();
      });
  }

  /** With nothing left to run, set-up remotes beyond maxSpares go back. */
  private releaseExtraSpares(): void {
    if (this.queue.length > 0) return;
    while (this.ready.length > this.maxSpares) this.release(this.ready.pop()!, false);
  }

  /** Gives a remote back in the background; a remote that was not destroyed gets the plan's `finish` first. */
  private release(slot: RemoteSlot, destroyed: boolean): void {
    if (slot.state === 'releasing') return;
    const readyIndex = this.ready.indexOf(slot);
    if (readyIndex >= 0) this.ready.splice(readyIndex, 1);
    slot.state = 'releasing';
    this.slots.delete(slot);
    const released = (async () => {
      try {
        if (!destroyed && slot.executor) await slot.executor.teardown().catch(ignoreCleanupFailure);
        await slot.remote.release();
      } catch (error) {
        this.releaseErrors.push(`${slot.remote.id}: ${messageOf(error)}`);
      }
      this.emit({ type: 'remote.released', platform: this.platform, remote: slot.remote.id, destroyed });
    })();
    this.releases.add(released);
    void released.then(() => {
      this.releases.delete(released);
      this.checkSettled();
    });
  }

  private stopWith(status: 'error' | 'cancelled', reason: string): void {
    if (this.halt) return;
    this.halt = { status, reason };
    for (const attempt of this.runningAttempts) attempt.abort(new Error(reason));
    for (const slot of [...this.slots]) if (slot.state !== 'busy') this.release(slot, true);
    this.checkSettled();
  }

  /** Done when nothing is queued (or the platform stopped), running, being stored or being released. */
  private checkSettled(): void {
    if ((this.queue.length > 0 && !this.halt) || this.running > 0 || this.pendingIngests > 0 || this.releases.size > 0) return;
    this.resolveSettled();
  }

  private emitProgress(): void {
    this.emit({
      type: 'platform.progress',
      platform: this.platform,
      total: this.total,
      done: this.passed + this.failed,
      passed: this.passed,
      failed: this.failed,
      running: this.running,
    });
  }
}

function nonNegativeInteger(value: number, name: string): number {
  if (!Number.isInteger(value) || value < 0) throw new Error(`orchestrator option ${name} must be a whole number ≥ 0, got ${value}`);
  return value;
}

function positiveInteger(value: number, name: string): number {
  if (!Number.isInteger(value) || value < 1) throw new Error(`orchestrator option ${name} must be a whole number ≥ 1, got ${value}`);
  return value;
}

/**
 * Spreads `wanted` requests over provisioners in turn, none beyond its
 * capacity: more than a provisioner can hold at once would only wait, and
 * take systems back up as the run releases them.
 */
export function shareRequests(wanted: number, capacities: readonly number[]): number[] {
  const counts = capacities.map(() => 0);
  let left = wanted;
  while (left > 0 && counts.some((count, index) => count < capacities[index]!)) {
    for (let index = 0; index < counts.length && left > 0; index++) {
      if (counts[index]! >= capacities[index]!) continue;
      counts[index]!++;
      left--;
    }
  }
  return counts;
}
