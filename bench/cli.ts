/**
 * Whole-process CLI benchmark (issue 9): bin/testyard from process start to
 * exit, as a user runs it.
 *
 *   - start-up: `testyard --help`, and `testyard fmf tests` on a 5-test tree;
 *   - `testyard run` of 200 `test: true` tests on 8 local systems, with where
 *     its time goes (start-up, discovery, systems set up, tests, exit), read
 *     from the moments its lines appear;
 *   - with TESTYARD_BENCH_ATEX set to an atex checkout: the same 200 tests
 *     with atex's AdHocOrchestrator, run alternately with Testyard's, and the
 *     ratio (target: Testyard ≥ 5× faster).
 *
 * atex's side is a driver written to a temporary folder at run time: its
 * FMFExecutor on tests discovered by its own `discover()`, its
 * JSONLinesAggregator, LimitedRerunsMixin(2) (Testyard's default reruns), and
 * its LocalProvisioner limited to 8 live remotes (atex's own hands out one
 * per test). atex never tears an executor down (it relies on the remote
 * being destroyed); the driver stops each one at the end, which removes its
 * work folder as Testyard's teardown does. It needs a Python that runs atex
 * (TESTYARD_BENCH_PYTHON, default python3; atex wants ≥ 3.12) and can import
 * fmf, PyYAML and urllib3 (and fmf's ruamel.yaml, filelock, jsonschema), e.g.
 * through PYTHONPATH, and rsync. atex runs its test wrapper with the python3
 * found on PATH: make that a real interpreter, not a pyenv shim (the bench
 * warns), or atex pays a shim's start for every test.
 *
 *   npm run bench:cli [-- --runs N]
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { stringify } from 'yaml';

const testyard = path.resolve(import.meta.dirname, '../bin/testyard');
const { values: options } = parseArgs({ options: { runs: { type: 'string', default: '5' } } });
const runs = Number(options.runs);
const tests = 200;
const systems = 8;
const target = 5;

interface Timed {
  /** Seconds from spawn to exit. */
  wall: number;
  /** Seconds from spawn to the first line matching each pattern asked for (NaN: none). */
  marks: number[];
  /** Seconds from spawn to the last line matching the last pattern. */
  lastMark: number;
  code: number | null;
  output: string;
}

/** Runs a command to its end, noting when lines matching `patterns` first appear on stdout. */
function timed(command: string, args: string[], patterns: RegExp[] = [], env: NodeJS.ProcessEnv = process.env): Promise<Timed> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], env });
    const marks = patterns.map(() => NaN);
    let lastMark = NaN;
    let pending = '';
    let output = '';
    const seconds = () => (performance.now() - started) / 1000;
    child.stdout.on('data', (chunk: Buffer) => {
      const now = seconds();
      output += chunk.toString();
      const lines = (pending + chunk.toString()).split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) {
        patterns.forEach((pattern, index) => {
          if (Number.isNaN(marks[index]!) && pattern.test(line)) marks[index] = now;
        });
        if (patterns.length && patterns.at(-1)!.test(line)) lastMark = now;
      }
    });
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', reject);
    child.on('exit', (code) => resolve({ wall: seconds(), marks, lastMark, code, output }));
  });
}

function median(values: number[]): number {
  const sorted = values.filter((value) => !Number.isNaN(value)).sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? NaN;
}

function spread(values: number[]): string {
  const sorted = [...values].sort((a, b) => a - b);
  return `median ${median(values).toFixed(3)} s (min ${sorted[0]!.toFixed(3)}, max ${sorted.at(-1)!.toFixed(3)})`;
}

async function repeat(times: number, run: () => Promise<Timed>): Promise<Timed[]> {
  await run(); // warm-up: file cache, JIT of nothing (a new process each time), but the disk
  const results: Timed[] = [];
  for (let index = 0; index < times; index++) results.push(await run());
  return results;
}

function mustSucceed(label: string, result: Timed): Timed {
  if (result.code !== 0) throw new Error(`${label} exited with ${result.code}:\n${result.output}`);
  return result;
}

/** An fmf tree with `/plans/main` and `count` tests running `true`, in block YAML as fmf files are written. */
async function writeTree(count: number): Promise<string> {
  const root = await mkdtemp(path.join(scratch, 'tree-'));
  await mkdir(path.join(root, '.fmf'));
  await writeFile(path.join(root, '.fmf', 'version'), '1\n');
  const testNodes = Object.fromEntries(Array.from({ length: count }, (_, index) => [`/t${index}`, { test: 'true' }]));
  await writeFile(
    path.join(root, 'main.fmf'),
    stringify({ '/plans': { '/main': { discover: { how: 'fmf' }, execute: { how: 'tmt' } } }, '/tests': testNodes }),
  );
  return root;
}

const scratch = await mkdtemp(path.join(tmpdir(), 'testyard-bench-cli-'));
const small = await writeTree(5);
const big = await writeTree(tests);
let counter = 0;

/** The atex side: atex's own parts, arranged as `testyard run` arranges Testyard's. */
const atexDriverSource = `import json
import sys
from pathlib import Path

from atex.aggregator.jsonl import JSONLinesAggregator
from atex.executor.fmf import FMFExecutor, discover
from atex.orchestrator.adhoc import AdHocOrchestrator, LimitedRerunsMixin
from atex.provisioner.local import LocalProvisioner

tree, plan, remotes, out = sys.argv[1], sys.argv[2], int(sys.argv[3]), Path(sys.argv[4])


class CappedLocalProvisioner(LocalProvisioner):
    def __init__(self, cap):
        super().__init__()
        self.cap = cap

    def get_remote(self, block=True):
        with self._lock:
            if len(self._remotes) >= self.cap:
                return None
        return super().get_remote(block)


class Orchestrator(LimitedRerunsMixin(2), AdHocOrchestrator):
    pass


fmf_tests = discover(tree, plan)
executors = []


def executor(conn):
    executors.append(FMFExecutor(conn, fmf_tests))
    return executors[-1]


out.mkdir(parents=True)
with CappedLocalProvisioner(remotes) as provisioner, JSONLinesAggregator(out / "results.jsonl", out / "files") as aggregator:
    with Orchestrator("local", fmf_tests.data.keys(), (provisioner,), executor, aggregator) as orchestrator:
        orchestrator.serve_forever()
    for ex in executors:
        ex.stop()
statuses = [json.loads(line)[1] for line in (out / "results.jsonl").read_text().splitlines()]
print(f"atex: {len(statuses)} results, {statuses.count('pass')} passed")
`;

async function testyardRun(): Promise<Timed> {
  const out = path.join(scratch, `testyard-${++counter}`);
  const result = await timed(
    testyard,
    [
      'run',
      '--tree',
      big,
      '--plan',
      '/plans/main',
      '--platform',
      'l=local',
      '--max-remotes',
      String(systems),
      '--jsonl',
      `${out}.jsonl`,
      '--artifacts',
      out,
    ],
    [/^run /, /ready$/, /: pass$/],
    { ...process.env, TESTYARD_ENABLE_LOCAL: '1' },
  );
  await rm(out, { recursive: true, force: true });
  if (!result.output.includes(`l: passed, ${tests} passed`)) throw new Error(`testyard run did not pass every test:\n${result.output}`);
  return mustSucceed('testyard run', result);
}

// What npm ci builds, fresh: bin/testyard runs it rather than the TypeScript sources.
mustSucceed(
  'npm run build:cli',
  await timed(process.execPath, ['--import', 'tsx', path.resolve(import.meta.dirname, '../scripts/build-cli.ts')]),
);
console.log(`testyard CLI (compiled), whole process: ${runs} runs each after a warm-up`);
const help = await repeat(runs, async () => mustSucceed('testyard --help', await timed(testyard, ['--help'])));
console.log(`  testyard --help                     ${spread(help.map((result) => result.wall))}`);
const listing = await repeat(runs, async () => mustSucceed('testyard fmf tests', await timed(testyard, ['fmf', 'tests', small])));
console.log(`  testyard fmf tests (5 tests)        ${spread(listing.map((result) => result.wall))}`);

const atexCheckout = process.env.TESTYARD_BENCH_ATEX;
const atexDriver = atexCheckout ? path.join(scratch, 'atex_run.py') : undefined;
if (atexDriver) await writeFile(atexDriver, atexDriverSource);
const python = process.env.TESTYARD_BENCH_PYTHON ?? 'python3';
// atex writes its test wrapper with the shebang of the python3 found on PATH, and runs it for every test.
const wrapperPython = (process.env.PATH ?? '')
  .split(path.delimiter)
  .map((dir) => path.join(dir, 'python3'))
  .find((candidate) => existsSync(candidate));
if (atexDriver && wrapperPython?.includes(`${path.sep}shims${path.sep}`)) {
  console.log(
    `  warning: python3 on PATH is ${wrapperPython}, a shim that costs atex a fraction of a second per test: put a real interpreter first on PATH`,
  );
}

async function atexRun(): Promise<Timed> {
  const out = path.join(scratch, `atex-${++counter}`);
  const pythonPath = [atexCheckout!, process.env.PYTHONPATH].filter(Boolean).join(path.delimiter);
  const result = await timed(python, [atexDriver!, big, '/plans/main', String(systems), out], [], {
    ...process.env,
    PYTHONPATH: pythonPath,
  });
  await rm(out, { recursive: true, force: true });
  if (!result.output.includes(`atex: ${tests} results, ${tests} passed`))
    throw new Error(`the atex run did not pass every test:\n${result.output}`);
  return result;
}

// Alternately, so that a machine that gets busier or quieter meanwhile affects both alike.
const testyardRuns: Timed[] = [];
const atexRuns: Timed[] = [];
await testyardRun();
if (atexDriver) await atexRun();
for (let index = 0; index < runs; index++) {
  testyardRuns.push(await testyardRun());
  if (atexDriver) atexRuns.push(await atexRun());
}

const walls = testyardRuns.map((result) => result.wall);
const phase = (pick: (result: Timed) => number) => median(testyardRuns.map(pick));
const [firstLine, firstReady, firstPass] = [0, 1, 2].map((index) => phase((result) => result.marks[index]!));
const lastPass = phase((result) => result.lastMark);
const wall = median(walls);
console.log(`  testyard run: ${tests} \`true\` tests on ${systems} local systems  ${spread(walls)} = ${(tests / wall).toFixed(1)} tests/s`);
console.log('    where the time goes (medians, from process start):');
console.log(`      start-up                      ${median(help.map((result) => result.wall)).toFixed(3)} s  (testyard --help)`);
console.log(`      + plan discovery              ${firstLine.toFixed(3)} s  first line printed (tests discovered)`);
console.log(`      + first system set up         ${firstReady.toFixed(3)} s  (tree and test agent uploaded, agent started)`);
console.log(`      + first test passed           ${firstPass.toFixed(3)} s`);
console.log(
  `      + last test passed            ${lastPass.toFixed(3)} s  (${(tests / (lastPass - firstPass)).toFixed(1)} tests/s in between)`,
);
console.log(`      + systems released, exit      ${wall.toFixed(3)} s`);

if (atexDriver) {
  const atexWalls = atexRuns.map((result) => result.wall);
  const ratios = testyardRuns.map((result, index) => atexRuns[index]!.wall / result.wall);
  const ratio = median(ratios);
  console.log(`  atex AdHocOrchestrator, same tests and systems  ${spread(atexWalls)} = ${(tests / median(atexWalls)).toFixed(1)} tests/s`);
  console.log(
    `  atex ÷ testyard, run by run: median ×${ratio.toFixed(1)} (${ratios.map((value) => value.toFixed(1)).join(', ')})  target ≥ ×${target}: ${ratio >= target ? 'met' : 'MISSED'}`,
  );
} else {
  console.log('  atex: not measured (set TESTYARD_BENCH_ATEX to an atex checkout; see bench/cli.ts)');
}
await rm(scratch, { recursive: true, force: true });
