// The supervisor behind `npm start`, on real child processes: a process that
// dies is started again with growing waits, one that keeps dying soon after
// it starts is given up on, and nothing is started again once stop() runs.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { describe, expect, test } from 'vitest';
import {
  defaultRestartPolicy,
  planRestart,
  Supervisor,
  type RestartPolicy,
  type UnexpectedExit,
} from '../../lib/server/process/supervisor';

describe('planRestart', () => {
  const policy = defaultRestartPolicy;

  test('waits 1, 2, 4, 8 s after quick crashes in a row, then gives up at the fifth', () => {
    const plans = [];
    let quickCrashes = 0;
    for (let crash = 0; crash < 5; crash++) {
      const plan = planRestart(policy, quickCrashes, 2_000);
      plans.push(plan.delayMs);
      quickCrashes = plan.quickCrashes;
    }
    expect(plans).toEqual([1_000, 2_000, 4_000, 8_000, null]);
  });

  test('a process that stayed up a minute starts a new count', () => {
    expect(planRestart(policy, 4, 60_000)).toEqual({ quickCrashes: 0, delayMs: 1_000 });
    expect(planRestart(policy, 4, 59_999)).toEqual({ quickCrashes: 5, delayMs: null });
  });

  test('waits no longer than the maximum', () => {
    expect(planRestart({ ...policy, maxQuickCrashes: 100 }, 20, 0).delayMs).toBe(policy.maxDelayMs);
  });
});

const fast: RestartPolicy = { firstDelayMs: 50, maxDelayMs: 200, stableAfterMs: 60_000, maxQuickCrashes: 3 };
const sleeper = () => spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });

function until<T>(probe: () => T | undefined, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolve, reject) => {
    const check = () => {
      const value = probe();
      if (value !== undefined) resolve(value);
      else if (Date.now() > deadline) reject(new Error('timed out'));
      else setTimeout(check, 20);
    };
    check();
  });
}

test('a killed process is started again and reported; stop() ends it and starts nothing more', async () => {
  const exits: UnexpectedExit[] = [];
  const restarted: number[] = [];
  const lines: string[] = [];
  const supervisor = new Supervisor({
    policy: fast,
    log: (line) => lines.push(line),
    onExit: async (exit) => void exits.push(exit),
    onRestart: async (_exit, child) => void restarted.push(child.pid!),
  });
  const first = supervisor.start('worker', sleeper);
  first.kill('SIGKILL');
  const second = await until(() => restarted[0]);
  expect(second).not.toBe(first.pid);
  expect(exits).toMatchObject([{ name: 'worker', pid: first.pid, signal: 'SIGKILL', exitCode: null, quickCrashes: 1, restarts: 1 }]);
  expect(exits[0]!.nextAttemptAt!.getTime() - exits[0]!.exitedAt.getTime()).toBe(50);
  expect(lines[0]).toMatch(/worker exited unexpectedly \(SIGKILL\).*starting it again in 0.05 s \(restart 1\)/);

  await supervisor.stop();
  expect(() => process.kill(second, 0)).toThrow();
  await new Promise((resolve) => setTimeout(resolve, 300));
  expect(restarted).toHaveLength(1);
});

test('a process that keeps crashing at start is given up on; the others keep running', async () => {
  const exits: UnexpectedExit[] = [];
  const lines: string[] = [];
  const supervisor = new Supervisor({ policy: fast, log: (line) => lines.push(line), onExit: async (exit) => void exits.push(exit) });
  const steady = supervisor.start('web', sleeper);
  supervisor.start('worker', () => spawn(process.execPath, ['-e', 'process.exit(3)'], { stdio: 'ignore' }));
  await until(() => exits.find((exit) => exit.nextAttemptAt === null));
  expect(exits.map((exit) => [exit.exitCode, exit.quickCrashes, exit.restarts])).toEqual([
    [3, 1, 1],
    [3, 2, 2],
    [3, 3, 2],
  ]);
  expect(lines.at(-1)).toMatch(/worker exited \(code 3\): 3 exits in a row, each within 60 s of starting; giving up on it/);
  expect(steady.exitCode).toBeNull();
  const stopped = once(steady, 'exit');
  await supervisor.stop();
  await stopped;
});

test('a process that exits during stop() is not started again', async () => {
  const exits: UnexpectedExit[] = [];
  const supervisor = new Supervisor({ policy: fast, log: () => {}, onExit: async (exit) => void exits.push(exit) });
  const child = supervisor.start('web', sleeper);
  await supervisor.stop();
  expect(child.signalCode).toBe('SIGTERM');
  await new Promise((resolve) => setTimeout(resolve, 200));
  expect(exits).toEqual([]);
});
