/**
 * Orchestrator benchmarks (issue 4):
 *   (a) scheduling simulation: the real AdHocOrchestrator on virtual time with
 *       simulated remotes: 2,000 log-normal tests on 50 remotes with random
 *       provisioning delays; makespan ÷ lower bound for FIFO, longest-first and
 *       a static N/M split;
 *   (b) real systems: 200 `test: true` tests on 8 local systems and on 8
 *       Podman containers: tests/s, gap between tests on a remote, memory.
 *
 *   npx tsx bench/orchestrate.ts [--simulation-only]
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { FmfExecutor } from '../lib/engine/executor/fmf-executor';
import {
  AdHocOrchestrator,
  firstBy,
  inQueueOrder,
  longestFirst,
  type AttemptDirectories,
  type NextTestPolicy,
  type SchedulableTest,
  type TestExecutor,
} from '../lib/engine/orchestrator';
import { ContainerProvisioner } from '../lib/engine/provision/container';
import { LocalProvisioner } from '../lib/engine/provision/local';
import type { Provisioner, Remote } from '../lib/engine/provision/types';
import { loadRun, writeTree } from '../tests/orchestrator/support';
import { ensureTestImage, startPodmanService } from '../tests/support/podman';

// ---------------------------------------------------------------- (a) simulation

/** Timers on virtual time; time jumps to the next timer once every promise chain has settled. */
class VirtualClock {
  now = 0;
  private readonly timers: Array<{ at: number; seq: number; fire: () => void }> = [];
  private seq = 0;

  sleep(seconds: number): Promise<void> {
    return new Promise((resolve) => this.push({ at: this.now + seconds, seq: this.seq++, fire: resolve }));
  }

  async runUntil(done: Promise<unknown>): Promise<void> {
    let finished = false;
    void done.then(() => (finished = true));
    for (;;) {
      // everything that can happen at this instant happens before time moves
      await new Promise((resolve) => setImmediate(resolve));
      if (finished) return;
      const next = this.pop();
      if (!next) throw new Error('simulation stalled: nothing scheduled and the run is not done');
      this.now = next.at;
      next.fire();
    }
  }

  private push(timer: { at: number; seq: number; fire: () => void }): void {
    const heap = this.timers;
    heap.push(timer);
    for (let index = heap.length - 1; index > 0;) {
      const parent = (index - 1) >> 1;
      if (!earlier(heap[index]!, heap[parent]!)) break;
      [heap[index], heap[parent]] = [heap[parent]!, heap[index]!];
      index = parent;
    }
  }

  private pop(): { at: number; seq: number; fire: () => void } | undefined {
    const heap = this.timers;
    const top = heap[0];
    const last = heap.pop();
    if (heap.length > 0 && last) {
      heap[0] = last;
      for (let index = 0; ;) {
        const left = 2 * index + 1;
        const right = left + 1;
        let smallest = index;
        if (left < heap.length && earlier(heap[left]!, heap[smallest]!)) smallest = left;
        if (right < heap.length && earlier(heap[right]!, heap[smallest]!)) smallest = right;
        if (smallest === index) break;
        [heap[index], heap[smallest]] = [heap[smallest]!, heap[index]!];
        index = smallest;
      }
    }
    return top;
  }
}

function earlier(a: { at: number; seq: number }, b: { at: number; seq: number }): boolean {
  return a.at < b.at || (a.at === b.at && a.seq < b.seq);
}

/** mulberry32: the same inputs for every strategy. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let value = Math.imul(state ^ (state >>> 15), 1 | state);
    value = (value + Math.imul(value ^ (value >>> 7), 61 | value)) ^ value;
    return ((value ^ (value >>> 14)) >>> 0) / 4294967296;
  };
}

function logNormal(next: () => number, median: number, sigma: number): number {
  const gaussian = Math.sqrt(-2 * Math.log(1 - next())) * Math.cos(2 * Math.PI * next());
  return median * Math.exp(sigma * gaussian);
}

/** Remotes that come up after the next pre-drawn provisioning delay; tests take their `durationSeconds` of virtual time. */
class SimulatedProvisioner implements Provisioner {
  readonly label = 'simulated';
  private readonly ready: Array<Promise<Remote>> = [];
  private readonly waiters: Array<(remote: Promise<Remote>) => void> = [];
  private counter = 0;

  constructor(
    private readonly clock: VirtualClock,
    private readonly delays: number[],
  ) {}

  async start(): Promise<void> {}
  async stop(): Promise<void> {}

  provision(count: number): void {
    for (let index = 0; index < count; index++) {
      const id = `sim:${++this.counter}`;
      const delay = this.delays.shift() ?? 60;
      const remote = this.clock.sleep(delay).then((): Remote => ({ id, connection: undefined as never, release: async () => {} }));
      const waiter = this.waiters.shift();
      if (waiter) waiter(remote);
      else this.ready.push(remote);
    }
  }

  getRemote(): Promise<Remote> {
    return this.ready.shift() ?? new Promise((resolve) => this.waiters.push((remote) => void remote.then(resolve)));
  }
}

const inMemoryDirectories: AttemptDirectories = { create: async (name, attempt) => `${name}#${attempt}`, dispose: async () => {} };

/** An executor whose tests take their fmf duration of simulated time and pass. */
function simulatedExecutor(clock: VirtualClock, byName: ReadonlyMap<string, SchedulableTest>): TestExecutor {
  return {
    setup: async () => {},
    teardown: async () => {},
    runTest: async (name) => {
      await clock.sleep(byName.get(name)!.durationSeconds);
      return { exitCode: 0 };
    },
  };
}

async function simulate(tests: SchedulableTest[], remotes: number, delays: number[], nextTest: NextTestPolicy): Promise<number> {
  const clock = new VirtualClock();
  const byName = new Map(tests.map((test) => [test.name, test]));
  const orchestrator = new AdHocOrchestrator({
    platform: 'sim',
    tests,
    provisioners: [new SimulatedProvisioner(clock, [...delays])],
    createExecutor: () => simulatedExecutor(clock, byName),
    aggregator: { ingest: async () => {} },
    maxRemotes: remotes,
    policies: { nextTest },
    attemptDirectories: inMemoryDirectories,
  });
  const outcome = orchestrator.run();
  await clock.runUntil(outcome);
  if ((await outcome).passed !== tests.length) throw new Error('simulation lost tests');
  return clock.now;
}

/** tmt-style static split: test i goes to remote i mod M, each remote an orchestrator of its own. */
async function simulateStaticSplit(tests: SchedulableTest[], remotes: number, delays: number[]): Promise<number> {
  const clock = new VirtualClock();
  const byName = new Map(tests.map((test) => [test.name, test]));
  const runs = Array.from({ length: remotes }, (_, slot) =>
    new AdHocOrchestrator({
      platform: `sim-${slot}`,
      tests: tests.filter((_, index) => index % remotes === slot),
      provisioners: [new SimulatedProvisioner(clock, [delays[slot]!])],
      createExecutor: () => simulatedExecutor(clock, byName),
      aggregator: { ingest: async () => {} },
      maxRemotes: 1,
      policies: { nextTest: inQueueOrder },
      attemptDirectories: inMemoryDirectories,
    }).run(),
  );
  await clock.runUntil(Promise.all(runs));
  return clock.now;
}

async function schedulingSimulation(): Promise<void> {
  const next = random(4);
  const remotes = 50;
  const tests: SchedulableTest[] = Array.from({ length: 2000 }, (_, index) => ({
    name: `/t/${index}`,
    durationSeconds: Math.max(1, Math.round(logNormal(next, 60, 1))),
    tags: [],
    priority: 0,
  }));
  const delays = Array.from({ length: remotes }, () => 10 + next() * 110);
  const total = tests.reduce((sum, test) => sum + test.durationSeconds, 0);
  const longest = Math.max(...tests.map((test) => test.durationSeconds));
  const lowerBound = Math.max(total / remotes, longest);
  console.log(`(a) simulation: ${tests.length} tests, log-normal (median 60 s, σ 1), ${remotes} remotes, provisioning 10–120 s`);
  console.log(`    total ${total} s, longest ${longest} s, lower bound ${lowerBound.toFixed(0)} s`);
  const strategies: Array<[string, () => Promise<number>]> = [
    ['FIFO ad hoc', () => simulate(tests, remotes, delays, inQueueOrder)],
    ['longest-first ad hoc', () => simulate(tests, remotes, delays, firstBy(longestFirst))],
    [`static ${tests.length}/${remotes} split`, () => simulateStaticSplit(tests, remotes, delays)],
  ];
  for (const [name, run] of strategies) {
    const started = performance.now();
    const makespan = await run();
    const ratio = makespan / lowerBound;
    const target = name.startsWith('longest') ? `  (target ≤ 1.05: ${ratio <= 1.05 ? 'met' : 'MISSED'})` : '';
    console.log(
      `    ${name.padEnd(24)} makespan ${makespan.toFixed(0).padStart(6)} s  ÷ bound = ${ratio.toFixed(3)}${target}  [${(performance.now() - started).toFixed(0)} ms real]`,
    );
  }
}

// ---------------------------------------------------------------- (b) real systems

setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc') as () => void;

function heapMiB(): number {
  collectGarbage();
  const usage = process.memoryUsage();
  return (usage.heapUsed + usage.external + usage.arrayBuffers) / 2 ** 20;
}

function percentile(sorted: readonly number[], fraction: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(fraction * sorted.length))] ?? NaN;
}

async function realRun(label: string, provisioner: Provisioner, remotes: number, tests: number): Promise<void> {
  const root = await writeTree(Object.fromEntries(Array.from({ length: tests }, (_, index) => [`t${index}`, { test: 'true' }])));
  const { suite, tests: schedulable } = await loadRun(root);
  const lastEnd = new Map<string, number>();
  const gaps: number[] = [];
  let running = 0;
  let peakHeap = 0;
  let fullMoments = 0;
  let firstStart = 0;
  let lastFinish = 0;
  const baseline = heapMiB();
  const started = performance.now();
  const outcome = await new AdHocOrchestrator({
    platform: label,
    tests: schedulable,
    provisioners: [provisioner],
    createExecutor: (remote): TestExecutor => {
      const executor = new FmfExecutor(remote.connection, suite);
      return {
        setup: () => executor.setup(),
        teardown: () => executor.teardown(),
        runTest: async (name, artifactsDir, options) => {
          const begin = performance.now();
          firstStart ||= begin;
          const previous = lastEnd.get(remote.id);
          if (previous !== undefined) gaps.push(begin - previous);
          try {
            return await executor.runTest(name, artifactsDir, options);
          } finally {
            lastFinish = performance.now();
            lastEnd.set(remote.id, lastFinish);
          }
        },
      };
    },
    aggregator: { ingest: async () => {} },
    maxRemotes: remotes,
    onEvent: (event) => {
      // live memory (after a collection) with every remote busy, a few times per run
      if (event.type === 'test.started' && ++running === remotes && ++fullMoments % 10 === 1) peakHeap = Math.max(peakHeap, heapMiB());
      if (event.type === 'test.finished') running--;
    },
  }).run();
  const wall = (performance.now() - started) / 1000;
  const after = heapMiB();
  await rm(root, { recursive: true, force: true });
  if (outcome.passed !== tests) throw new Error(`${label}: ${outcome.passed}/${tests} passed (${outcome.status} ${outcome.error ?? ''})`);
  gaps.sort((a, b) => a - b);
  const steady = tests / ((lastFinish - firstStart) / 1000);
  const p50 = percentile(gaps, 0.5);
  console.log(`    ${label}: ${tests} tests on ${remotes} systems`);
  console.log(
    `      whole run ${wall.toFixed(2)} s = ${(tests / wall).toFixed(1)} tests/s; first start → last end ${steady.toFixed(1)} tests/s  (atex 39.6 local as once noted: ×${(steady / 39.6).toFixed(1)}; npm run bench:cli measures atex itself)`,
  );
  console.log(
    `      gap end → next start on a remote: p50 ${p50.toFixed(2)} ms, p95 ${percentile(gaps, 0.95).toFixed(2)} ms  (atex 76 ms: ÷${(76 / p50).toFixed(0)})`,
  );
  console.log(
    `      memory: live peak with ${remotes} running +${(peakHeap - baseline).toFixed(2)} MiB = ${((peakHeap - baseline) / remotes).toFixed(3)} MiB per running test; ` +
      `retained after the run ${(after - baseline).toFixed(2)} MiB`,
  );
}

async function realSystems(): Promise<void> {
  console.log('(b) real systems, heap+external measured in this process (the worker)');
  await realRun('local', new LocalProvisioner({ maxSystems: 8, baseDir: await mkdtemp(path.join(tmpdir(), 'testyard-bench-')) }), 8, 200);
  let podman;
  try {
    const image = await ensureTestImage();
    podman = await startPodmanService();
    await realRun(
      'container',
      new ContainerProvisioner({
        image,
        dockerHost: podman.dockerHost,
        networkMode: 'host',
        ownership: { runId: `bench-${process.pid}`, platformId: 'bench', owner: 'bench/orchestrate' },
      }),
      8,
      200,
    );
  } catch (error) {
    console.log(`    container: skipped (${(error as Error).message})`);
  } finally {
    await podman?.stop();
  }
}

await schedulingSimulation();
if (!process.argv.includes('--simulation-only')) await realSystems();
