import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { LocalConnection } from '../../lib/engine/connection/local';
import type { RunEvent } from '../../lib/shared/events/catalogue';
import { FmfExecutor } from '../../lib/engine/executor/fmf-executor';
import type { TestSuite } from '../../lib/engine/executor/types';
import { discoverTests } from '../../lib/engine/fmf';
import { AdHocOrchestrator, plannedRun, type OrchestratorOptions, type SchedulableTest } from '../../lib/engine/orchestrator';
import { FileRunAggregator } from '../../lib/engine/export';
import type { Provisioner, Remote } from '../../lib/engine/provision/types';
import { awaitedLater } from '../../lib/shared/errors';

export interface TestDefinition {
  test: string;
  duration?: string;
  tag?: string[];
  'extra-priority'?: number;
}

/** Writes an fmf tree with one plan (`/plans/main`, optional prepare scripts) and the given tests under `/tests`. */
export async function writeTree(tests: Record<string, TestDefinition>, prepare: string[] = []): Promise<string> {
  const root = await mkdtemp(path.join(tmpdir(), 'testyard-orchestrator-tree-'));
  await mkdir(path.join(root, '.fmf'));
  await writeFile(path.join(root, '.fmf', 'version'), '1\n');
  const plan = {
    discover: { how: 'fmf' },
    execute: { how: 'tmt' },
    ...(prepare.length ? { prepare: prepare.map((script) => ({ how: 'shell', script })) } : {}),
  };
  const testNodes = Object.fromEntries(Object.entries(tests).map(([name, definition]) => [`/${name}`, definition]));
  // JSON is YAML
  await writeFile(path.join(root, 'main.fmf'), JSON.stringify({ '/plans': { '/main': plan }, '/tests': testNodes }, null, 1));
  return root;
}

export async function loadRun(root: string): Promise<{ suite: TestSuite; tests: SchedulableTest[] }> {
  return plannedRun(await discoverTests(root, { plan: '/plans/main' }));
}

/**
 * Real local systems (child processes on this host), one LocalConnection
 * each, that remember what they handed out and what came back.
 */
export class LocalRemotes implements Provisioner {
  readonly label = 'local (test)';
  readonly handedOut: string[] = [];
  readonly released = new Set<string>();
  private readonly ready: Array<Promise<Remote>> = [];
  private readonly waiters: Array<(remote: Promise<Remote>) => void> = [];
  private counter = 0;

  readonly capacity: number | undefined;

  constructor(private readonly options: { name?: string; provisionDelayMs?: number; failProvisioning?: number; capacity?: number } = {}) {
    this.capacity = options.capacity;
  }

  async start(): Promise<void> {}

  provision(count: number): void {
    for (let index = 0; index < count; index++) {
      const next = this.bringUp();
      // the rejection reaches whoever takes this request; until then it is not unhandled
      next.catch(awaitedLater);
      const waiter = this.waiters.shift();
      if (waiter) waiter(next);
      else this.ready.push(next);
    }
  }

  getRemote(signal?: AbortSignal): Promise<Remote> {
    const next = this.ready.shift();
    if (next) return next;
    return new Promise<Remote>((resolve, reject) => {
      const waiter = (remote: Promise<Remote>) => {
        signal?.removeEventListener('abort', onAbort);
        remote.then(resolve, reject);
      };
      const onAbort = () => {
        this.waiters.splice(this.waiters.indexOf(waiter), 1);
        reject(signal?.reason);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiters.push(waiter);
    });
  }

  async stop(): Promise<void> {}

  /** Handed out and not released. */
  get held(): string[] {
    return this.handedOut.filter((id) => !this.released.has(id));
  }

  private async bringUp(): Promise<Remote> {
    const number = ++this.counter;
    if (this.options.provisionDelayMs) await new Promise((resolve) => setTimeout(resolve, this.options.provisionDelayMs));
    if (number <= (this.options.failProvisioning ?? 0)) throw new Error(`provisioning ${number} failed on purpose`);
    const id = `${this.options.name ?? 'local'}:${number}`;
    this.handedOut.push(id);
    const connection = new LocalConnection();
    return {
      id,
      connection,
      release: async () => {
        this.released.add(id);
        await connection.close();
      },
    };
  }
}

export interface RecordedEvent {
  at: number;
  event: RunEvent;
}

/** Runs one platform over local remotes with the fmf executor and a file aggregator; returns everything seen. */
export async function runPlatform(
  root: string,
  options: Partial<OrchestratorOptions> & { remotes?: LocalRemotes; suiteFor?: (remote: Remote, suite: TestSuite) => TestSuite } = {},
) {
  const { suite, tests } = await loadRun(root);
  const remotes = options.remotes ?? new LocalRemotes();
  const output = await mkdtemp(path.join(tmpdir(), 'testyard-orchestrator-out-'));
  const aggregator = new FileRunAggregator({ filesDir: path.join(output, 'files'), jsonlPath: path.join(output, 'results.jsonl') });
  const events: RecordedEvent[] = [];
  const orchestrator = new AdHocOrchestrator({
    platform: 'local',
    tests,
    provisioners: [remotes],
    createExecutor: (remote) => new FmfExecutor(remote.connection, options.suiteFor?.(remote, suite) ?? suite),
    aggregator: aggregator.forPlatform('local'),
    onEvent: (event) => events.push({ at: performance.now(), event }),
    ...options,
  });
  const run = async () => {
    try {
      return await orchestrator.run();
    } finally {
      await aggregator.close();
    }
  };
  return { orchestrator, remotes, aggregator, events, output, run };
}

export function eventsOf<T extends RunEvent['type']>(events: readonly RecordedEvent[], type: T): Array<Extract<RunEvent, { type: T }>> {
  return events.map((recorded) => recorded.event).filter((event): event is Extract<RunEvent, { type: T }> => event.type === type);
}

/** Writes one control-stream `result` with this JSON, then whatever follows. */
const report = (json: string, after = '') => `j='${json}'; printf 'result %d\\n%s${after}' "\${#j}" "$j" >&"$ATEX_TEST_CONTROL"`;

/**
 * Every way a test gets aborted by the runner (docs/TEST_CONTROL.md, "Bad
 * input and limits" and "Time limit"), each leaving a sleeper behind that
 * the runner must take down with it.
 */
export const abortingTests: Record<string, TestDefinition> = Object.fromEntries(
  Object.entries({
    unknown_word: 'echo frobnicate >&"$ATEX_TEST_CONTROL"',
    bad_json: report('{"status": '),
    json_array: report('[{"status": "pass"}]'),
    path_traversal: report('{"status": "pass", "files": [{"name": "../escaped", "length": 2}]}', 'no'),
    absolute_path: report('{"status": "pass", "files": [{"name": "/tmp/testyard-absolute", "length": 2}]}', 'no'),
    overlong_line: `head -c 5000 /dev/zero | tr '\\0' x >&"$ATEX_TEST_CONTROL"; echo >&"$ATEX_TEST_CONTROL"`,
    short_file_data: `${report('{"status": "pass", "files": [{"name": "f", "length": 100}]}', 'x')}; exec {ATEX_TEST_CONTROL}>&-`,
    negative_length: report('{"status": "pass", "files": [{"name": "f", "length": -1}]}'),
    testout_conflict: report('{"status": "pass", "testout": "a.txt", "files": [{"name": "a.txt", "length": 1}]}', 'x'),
    duration_timeout: 'sleep 600',
  }).map(([name, body]) => [name, { test: `sleep 600 &\n${body}\nsleep 1`, duration: name === 'duration_timeout' ? '2s' : '1m' }]),
);
