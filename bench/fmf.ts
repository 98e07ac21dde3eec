/**
 * fmf engine benchmark: a generated tree of 5,000 tests in 1,000 files with
 * inheritance (`tag+` in children) and adjust rules; prints load, adjust and
 * listing times, peak memory, and the ratio to the reference Python fmf.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { adjustTree, Context, discoverTests, loadTree, prune } from '../lib/engine/fmf';

const directories = 100;
const filesPerDirectory = 10;
const testsPerFile = 5;
const reference = { seconds: 1.31, mebibytes: 46 };
const targets = { milliseconds: 400, mebibytes: 150 };

function generateTree(root: string): void {
  mkdirSync(path.join(root, '.fmf'), { recursive: true });
  writeFileSync(path.join(root, '.fmf', 'version'), '1\n');
  writeFileSync(
    path.join(root, 'main.fmf'),
    [
      'duration: 5m',
      'tag: [all]',
      'require: [bash]',
      'adjust:',
      '  - enabled: false',
      '    when: distro == centos-stream-8',
      '    because: not supported',
      '  - duration: 10m',
      '    when: arch == aarch64 or arch == s390x',
      '  - tag+: [fedora]',
      '    when: distro >= fedora-39',
      '',
    ].join('\n'),
  );
  for (let directory = 0; directory < directories; directory++) {
    const directoryPath = path.join(root, `area${directory}`);
    mkdirSync(directoryPath);
    writeFileSync(
      path.join(directoryPath, 'main.fmf'),
      [`summary: Area ${directory}`, `tag+: [area${directory}]`, 'environment:', `  AREA: "${directory}"`, ''].join('\n'),
    );
    for (let file = 0; file < filesPerDirectory; file++) {
      const lines = [`component: comp${file}`, `tag+: [file${file}]`];
      for (let test = 0; test < testsPerFile; test++) {
        lines.push(
          `/test${test}:`,
          `  summary: Test ${test} of file ${file}`,
          `  test: ./runtest.sh --case ${test}`,
          `  tag+: [t${test}${test % 2 ? ', odd' : ''}]`,
          '  adjust+:',
          `    - require+: [pkg${test}]`,
          `      when: distro ~= fedora-40 and arch == x86_64`,
        );
      }
      writeFileSync(path.join(directoryPath, `file${file}.fmf`), `${lines.join('\n')}\n`);
    }
  }
}

function milliseconds(start: bigint): number {
  return Number(process.hrtime.bigint() - start) / 1e6;
}

interface PhaseTimes {
  loadMs: number;
  adjustMs: number;
  listMs: number;
  totalMs: number;
  /** CPU time of the three phases: less sensitive than wall time to other load on the machine. */
  cpuMs: number;
  selected: number;
}

/** One load + adjust + listing of the tree, from scratch. */
function measure(root: string, context: Record<string, string>): PhaseTimes {
  const cpuStart = process.cpuUsage();
  let start = process.hrtime.bigint();
  const tree = loadTree(root);
  const loadMs = milliseconds(start);

  start = process.hrtime.bigint();
  adjustTree(tree.rootNode, new Context(context));
  const adjustMs = milliseconds(start);

  start = process.hrtime.bigint();
  const selected = prune(tree.rootNode, { keys: ['test'], filters: ['tag: odd | tag: t0'] }).length;
  const listMs = milliseconds(start);
  const cpu = process.cpuUsage(cpuStart);
  return { loadMs, adjustMs, listMs, totalMs: loadMs + adjustMs + listMs, cpuMs: (cpu.user + cpu.system) / 1000, selected };
}

async function main(): Promise<void> {
  const root = mkdtempSync(path.join(tmpdir(), 'fmf-bench-'));
  try {
    generateTree(root);
    const context = { distro: 'fedora-40', arch: 'x86_64' };
    const first = measure(root, context);
    // Peak memory of one load + adjust + listing; the repeated runs below only leave more garbage behind.
    const peakMiB = process.resourceUsage().maxRSS / 1024;
    const runs = [first, ...Array.from({ length: 4 }, () => measure(root, context))];
    const median = (pick: (run: PhaseTimes) => number) => runs.map(pick).sort((a, b) => a - b)[Math.floor(runs.length / 2)];

    const start = process.hrtime.bigint();
    const discovered = await discoverTests(root, { context });
    const discoverMs = milliseconds(start);

    const format = (value: number) => value.toFixed(1).padStart(8);
    const row = (label: string, pick: (run: PhaseTimes) => number) =>
      `  ${label.padEnd(14)} ${format(pick(runs[0]))} ms ${format(median(pick))} ms`;
    const totalMs = median((run) => run.totalMs);
    process.stdout.write(
      [
        `fmf benchmark: ${directories * filesPerDirectory} files, ${discovered.tests.length} tests (${runs[0].selected} selected by the filter)`,
        `                     first     median of ${runs.length}`,
        row('load', (run) => run.loadMs),
        row('adjust', (run) => run.adjustMs),
        row('listing', (run) => run.listMs),
        row('total', (run) => run.totalMs),
        row('total CPU', (run) => run.cpuMs),
        `  total (median) ${format(totalMs)} ms   target <= ${targets.milliseconds} ms   reference ${reference.seconds * 1000} ms   ${((reference.seconds * 1000) / totalMs).toFixed(1)}x faster`,
        `  peak RSS       ${format(peakMiB)} MiB  target <= ${targets.mebibytes} MiB  reference ${reference.mebibytes} MiB   ${(peakMiB / reference.mebibytes).toFixed(2)}x the reference`,
        `  (also: discoverTests end to end from the path, with per-test runtime data: ${discoverMs.toFixed(1)} ms)`,
        '',
      ].join('\n'),
    );
    if (totalMs > targets.milliseconds || peakMiB > targets.mebibytes) process.exitCode = 1;
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

await main();
