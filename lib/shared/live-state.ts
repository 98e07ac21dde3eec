import type { SequencedRunEvent } from './events/catalogue';
import { appendToTail, type OutputTail, type TestOutputChunk } from './events/output';

export interface PlatformProgress {
  name: string;
  status: string;
  total: number;
  done: number;
  passed: number;
  failed: number;
  running: number;
}

export interface PoolSystem {
  remote: string;
  platform: string;
  state:
    | 'cloning'
    | 'booting'
    | 'waiting for SSH'
    | 'provisioned'
    | 'setting up'
    | 'setup failed'
    | 'ready'
    | 'running'
    | 'releasing'
    | 'released';
  test: string | null;
}

export interface RunningTest {
  platform: string;
  test: string;
  attempt: number;
  remote: string;
  /** The last part of its output. */
  output: OutputTail;
}

/** What the run page shows beyond the results table: the run's details, then its events applied in order. */
export interface LiveRunState {
  status: string;
  platforms: Record<string, PlatformProgress>;
  /** Systems asked for and not yet provisioned, per platform. */
  provisioning: Record<string, number>;
  pool: Record<string, PoolSystem>;
  running: Record<string, RunningTest>;
}

export const runningKey = (platform: string, test: string, attempt: number) => `${platform}\0${test}\0${attempt}`;

function progressOf(state: LiveRunState, platform: string): PlatformProgress {
  return state.platforms[platform] ?? { name: platform, status: 'queued', total: 0, done: 0, passed: 0, failed: 0, running: 0 };
}

/** The platforms' stored counts, to apply the run's events onto. */
export interface RunCounts {
  status: string;
  platforms: { name: string; status: string; tests: { total: number; byStatus: Record<string, number> }; plannedTests: number | null }[];
}

export function stateFromDetails(run: RunCounts): LiveRunState {
  const platforms: Record<string, PlatformProgress> = {};
  for (const platform of run.platforms) {
    const { byStatus, total } = platform.tests;
    const failed = (byStatus.fail ?? 0) + (byStatus.error ?? 0);
    platforms[platform.name] = {
      name: platform.name,
      status: platform.status,
      total: platform.plannedTests ?? total,
      done: total,
      passed: byStatus.pass ?? 0,
      failed,
      running: 0,
    };
  }
  return { status: run.status, platforms, provisioning: {}, pool: {}, running: {} };
}

/** Applies events in sequence order; the state is replaced, never mutated (it is React state). */
export function applyRunEvents(previous: LiveRunState, events: readonly SequencedRunEvent[]): LiveRunState {
  const state: LiveRunState = {
    ...previous,
    platforms: { ...previous.platforms },
    provisioning: { ...previous.provisioning },
    pool: { ...previous.pool },
    running: { ...previous.running },
  };
  for (const { event } of events) {
    switch (event.type) {
      case 'run.queued':
        state.status = 'queued';
        break;
      case 'run.started':
        state.status = 'running';
        break;
      case 'run.finished':
        state.status = event.status;
        break;
      case 'run.cancelled':
        state.status = 'cancelled';
        for (const [name, platform] of Object.entries(state.platforms)) {
          if (platform.status === 'queued' || platform.status === 'running')
            state.platforms[name] = { ...platform, status: 'cancelled', running: 0 };
        }
        break;
      case 'platform.started':
        // Started again after its worker was lost: that worker's systems and running tests are gone.
        forgetPlatformActivity(state, event.platform);
        state.platforms[event.platform] = { ...progressOf(state, event.platform), status: 'running', total: event.tests };
        break;
      case 'platform.progress': {
        const { type: _type, platform, ...counts } = event;
        state.platforms[platform] = { ...progressOf(state, platform), ...counts, status: 'running' };
        break;
      }
      case 'platform.finished':
        state.platforms[event.platform] = { ...progressOf(state, event.platform), status: event.status, running: 0 };
        // attempts still under way when it ended were stopped, not failed: no event tells of them
        delete state.provisioning[event.platform];
        break;
      case 'remote.requested':
        state.provisioning[event.platform] = (state.provisioning[event.platform] ?? 0) + event.count;
        break;
      case 'remote.provision-failed':
      case 'remote.provisioned':
        state.provisioning[event.platform] = Math.max(0, (state.provisioning[event.platform] ?? 0) - 1);
        if (event.type === 'remote.provisioned') placeSystem(state, event, 'provisioned');
        break;
      case 'remote.progress':
        placeSystem(state, event, vmStates[event.state]);
        break;
      case 'remote.setup-started':
        placeSystem(state, event, 'setting up');
        break;
      case 'remote.setup-failed':
        placeSystem(state, event, 'setup failed');
        break;
      case 'remote.ready':
        placeSystem(state, event, 'ready');
        break;
      case 'remote.released':
        placeSystem(state, event, 'released');
        break;
      case 'test.started':
        placeSystem(state, event, 'running', event.test);
        state.running[runningKey(event.platform, event.test, event.attempt)] = {
          platform: event.platform,
          test: event.test,
          attempt: event.attempt,
          remote: event.remote,
          output: { text: '', end: 0 },
        };
        break;
      case 'test.finished': {
        delete state.running[runningKey(event.platform, event.test, event.attempt)];
        const system = state.pool[event.remote];
        if (system && system.state === 'running') state.pool[event.remote] = { ...system, state: 'ready', test: null };
        break;
      }
      case 'test.rerun-scheduled':
      case 'result.ingested':
      case 'result.labelled':
      case 'result.triaged':
      case 'triage.changed':
        break;
    }
  }
  return state;
}

/** A running test's newest output (see lib/shared/events/output.ts); output of a test that is not running is dropped. */
export function applyOutputTail(previous: LiveRunState, chunk: TestOutputChunk): LiveRunState {
  const key = runningKey(chunk.platform, chunk.test, chunk.attempt);
  const test = previous.running[key];
  if (!test) return previous;
  const output = appendToTail(test.output, chunk);
  return output === test.output ? previous : { ...previous, running: { ...previous.running, [key]: { ...test, output } } };
}

const vmStates = {
  cloning: 'cloning',
  booting: 'booting',
  'waiting-for-ssh': 'waiting for SSH',
  failed: 'released',
  releasing: 'releasing',
} as const;

function forgetPlatformActivity(state: LiveRunState, platform: string): void {
  delete state.provisioning[platform];
  for (const [remote, system] of Object.entries(state.pool)) if (system.platform === platform) delete state.pool[remote];
  for (const [key, test] of Object.entries(state.running)) if (test.platform === platform) delete state.running[key];
}

function placeSystem(
  state: LiveRunState,
  event: { remote: string; platform: string },
  systemState: PoolSystem['state'],
  test: string | null = null,
): void {
  state.pool[event.remote] = { remote: event.remote, platform: event.platform, state: systemState, test };
}
