import type { ChildProcess } from 'node:child_process';
import { messageOf } from '../../shared/errors';

/** When a supervised process that exited is started again, and when the supervisor gives up on it. */
export interface RestartPolicy {
  /** The wait before starting it again; doubles with each further quick crash in a row, up to `maxDelayMs`. */
  firstDelayMs: number;
  maxDelayMs: number;
  /** A process that exits sooner than this after it started has crashed quickly; one that stayed up longer starts a new count. */
  stableAfterMs: number;
  /** Quick crashes in a row after which the process is not started again. */
  maxQuickCrashes: number;
}

export const defaultRestartPolicy: RestartPolicy = { firstDelayMs: 1_000, maxDelayMs: 30_000, stableAfterMs: 60_000, maxQuickCrashes: 5 };

/** What an exit after `uptimeMs` does to the count of quick crashes in a row, and how long to wait before the next start (null: give up). */
export function planRestart(
  policy: RestartPolicy,
  quickCrashesBefore: number,
  uptimeMs: number,
): { quickCrashes: number; delayMs: number | null } {
  const quickCrashes = uptimeMs < policy.stableAfterMs ? quickCrashesBefore + 1 : 0;
  if (quickCrashes >= policy.maxQuickCrashes) return { quickCrashes, delayMs: null };
  return { quickCrashes, delayMs: Math.min(policy.firstDelayMs * 2 ** Math.max(quickCrashes - 1, 0), policy.maxDelayMs) };
}

/** A supervised process that exited while nobody was stopping it. */
export interface UnexpectedExit {
  name: string;
  pid: number;
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  exitedAt: Date;
  uptimeMs: number;
  /** Exits in a row, this one included, each soon after the process started. */
  quickCrashes: number;
  /** How many times it has been started again so far, counting the start this exit leads to. */
  restarts: number;
  /** When it is started again; null when the supervisor gave up on it. */
  nextAttemptAt: Date | null;
}

export interface SupervisorOptions {
  log: (line: string) => void;
  policy?: RestartPolicy;
  /** Told of each unexpected exit before the restart is due; a failure here is logged and changes nothing. */
  onExit?: (exit: UnexpectedExit) => Promise<void>;
  /** Told when the process that exited runs again. */
  onRestart?: (exit: UnexpectedExit, child: ChildProcess) => Promise<void>;
}

export interface SupervisedOptions {
  /** Stopped only after the others have exited (e.g. a service they need while stopping). */
  stopLast?: boolean;
}

interface Supervised {
  name: string;
  spawn: () => ChildProcess;
  options: SupervisedOptions;
  child: ChildProcess;
  startedAt: number;
  quickCrashes: number;
  restarts: number;
  pendingRestart?: NodeJS.Timeout;
}

const forceKillAfterMs = 15_000;

/**
 * Runs child processes and starts each again when it exits while nobody is
 * stopping it, waiting longer after each quick crash in a row and giving up
 * on a process (the others keep running) after `maxQuickCrashes` of them.
 * `stop` ends them all; nothing is restarted once it was called.
 */
export class Supervisor {
  private readonly processes: Supervised[] = [];
  private readonly policy: RestartPolicy;
  private stopping = false;

  constructor(private readonly options: SupervisorOptions) {
    this.policy = options.policy ?? defaultRestartPolicy;
  }

  start(name: string, spawn: () => ChildProcess, options: SupervisedOptions = {}): ChildProcess {
    const supervised: Supervised = { name, spawn, options, child: spawn(), startedAt: Date.now(), quickCrashes: 0, restarts: 0 };
    this.processes.push(supervised);
    this.watch(supervised);
    return supervised.child;
  }

  /** SIGTERM to every process (SIGKILL after 15 s), those marked `stopLast` once the others have exited. */
  async stop(): Promise<void> {
    this.stopping = true;
    for (const supervised of this.processes) clearTimeout(supervised.pendingRestart);
    await Promise.all(this.processes.filter((supervised) => !supervised.options.stopLast).map((supervised) => terminate(supervised.child)));
    await Promise.all(this.processes.filter((supervised) => supervised.options.stopLast).map((supervised) => terminate(supervised.child)));
  }

  private watch(supervised: Supervised): void {
    const { child } = supervised;
    child.once('exit', (exitCode, signal) => {
      if (this.stopping) return;
      this.restartLater(supervised, { exitCode, signal, pid: child.pid ?? 0 });
    });
  }

  private restartLater(supervised: Supervised, ended: { exitCode: number | null; signal: NodeJS.Signals | null; pid: number }): void {
    const exitedAt = new Date();
    const uptimeMs = exitedAt.getTime() - supervised.startedAt;
    const { quickCrashes, delayMs } = planRestart(this.policy, supervised.quickCrashes, uptimeMs);
    supervised.quickCrashes = quickCrashes;
    if (delayMs !== null) supervised.restarts++;
    const exit: UnexpectedExit = {
      name: supervised.name,
      ...ended,
      exitedAt,
      uptimeMs,
      quickCrashes,
      restarts: supervised.restarts,
      nextAttemptAt: delayMs === null ? null : new Date(exitedAt.getTime() + delayMs),
    };
    const how = ended.signal ?? `code ${ended.exitCode}`;
    if (delayMs === null) {
      this.options.log(
        `${supervised.name} exited (${how}): ${quickCrashes} exits in a row, each within ${this.policy.stableAfterMs / 1000} s of starting; giving up on it (the other processes keep running)`,
      );
    } else {
      this.options.log(
        `${supervised.name} exited unexpectedly (${how}) after ${Math.round(uptimeMs / 1000)} s; starting it again in ${delayMs / 1000} s (restart ${supervised.restarts})`,
      );
    }
    // Recording never holds a restart up (the database may be what is failing).
    void this.report(() => this.options.onExit?.(exit));
    if (delayMs === null) return;
    supervised.pendingRestart = setTimeout(() => {
      supervised.child = supervised.spawn();
      supervised.startedAt = Date.now();
      this.watch(supervised);
      void this.report(() => this.options.onRestart?.(exit, supervised.child));
    }, delayMs);
  }

  private async report(notify: () => Promise<void> | undefined): Promise<void> {
    try {
      await notify();
    } catch (error) {
      this.options.log(`recording a process exit failed: ${messageOf(error)}`);
    }
  }
}

function isRunning(child: ChildProcess): boolean {
  return child.exitCode === null && child.signalCode === null;
}

function terminate(child: ChildProcess): Promise<void> {
  if (!isRunning(child)) return Promise.resolve();
  return new Promise<void>((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
    setTimeout(() => child.kill('SIGKILL'), forceKillAfterMs).unref();
  });
}
