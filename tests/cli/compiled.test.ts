// bin/testyard runs the compiled CLI only while it matches its sources
// (checked in a copy of bin/testyard beside a stand-in build and source, each
// saying which one ran), and the compiled CLI itself works: it finds the
// files it reads beside its sources.
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { writeTree } from '../orchestrator/support';

const repoRoot = path.resolve(import.meta.dirname, '../..');

function checkout(): { root: string; run: () => string; recordBuild: () => void } {
  const root = mkdtempSync(path.join(tmpdir(), 'testyard-bin-'));
  mkdirSync(path.join(root, 'bin'));
  copyFileSync(path.join(repoRoot, 'bin/testyard'), path.join(root, 'bin/testyard'));
  symlinkSync(path.join(repoRoot, 'node_modules'), path.join(root, 'node_modules'));
  writeFileSync(path.join(root, 'package.json'), '{"type": "module"}\n');
  mkdirSync(path.join(root, 'cli'), { recursive: true });
  writeFileSync(
    path.join(root, 'cli/main.ts'),
    "export async function main(argv: string[]): Promise<number> { console.log('source', ...argv); return 3; }\n",
  );
  mkdirSync(path.join(root, 'dist/cli'), { recursive: true });
  writeFileSync(path.join(root, 'dist/cli/main.js'), "export async function main(argv) { console.log('compiled', ...argv); return 3; }\n");
  const recordBuild = () => {
    const { size, mtimeMs } = statSync(path.join(root, 'cli/main.ts'));
    writeFileSync(path.join(root, 'dist/cli/inputs.json'), JSON.stringify({ inputs: { 'cli/main.ts': { size, mtimeMs } } }));
  };
  const run = () => {
    const result = spawnSync(process.execPath, [path.join(root, 'bin/testyard'), 'x'], { encoding: 'utf8' });
    expect([result.status, result.stderr]).toEqual([3, '']);
    return result.stdout.trim();
  };
  return { root, run, recordBuild };
}

describe('bin/testyard', () => {
  it('runs the build while its sources are unchanged', () => {
    const { run, recordBuild } = checkout();
    recordBuild();
    expect(run()).toBe('compiled x');
  });

  it('runs the sources through tsx when one changed since the build, or there is no build', () => {
    const { root, run, recordBuild } = checkout();
    recordBuild();
    const later = new Date(Date.now() + 60_000);
    utimesSync(path.join(root, 'cli/main.ts'), later, later);
    expect(run()).toBe('source x');
    recordBuild();
    expect(run()).toBe('compiled x');
    writeFileSync(path.join(root, 'dist/cli/inputs.json'), '{');
    expect(run()).toBe('source x');
  });
});

describe('the compiled CLI', () => {
  it('runs a test with the agent script it reads beside its sources', async () => {
    // A build of its own, beside a node_modules link: the checkout's dist/ may be in use by other tests.
    const root = mkdtempSync(path.join(tmpdir(), 'testyard-compiled-'));
    symlinkSync(path.join(repoRoot, 'node_modules'), path.join(root, 'node_modules'));
    execFileSync(process.execPath, ['--import', 'tsx', path.join(repoRoot, 'scripts/build-cli.ts'), path.join(root, 'cli')], {
      cwd: repoRoot,
    });
    const { inputs } = JSON.parse(readFileSync(path.join(root, 'cli/inputs.json'), 'utf8')) as { inputs: Record<string, unknown> };
    expect(Object.keys(inputs)).toEqual(expect.arrayContaining(['cli/main.ts', 'lib/engine/executor/fmf-executor.ts']));

    const tree = await writeTree({ hello: { test: 'echo hello from the compiled CLI' } });
    const artifacts = path.join(root, 'artifacts');
    const main = pathToFileURL(path.join(root, 'cli/main.js')).href;
    const args = [
      'exec',
      '--connection',
      'local',
      '--tree',
      tree,
      '--plan',
      '/plans/main',
      '--test',
      '/tests/hello',
      '--artifacts',
      artifacts,
    ];
    const result = spawnSync(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `const { main } = await import(${JSON.stringify(main)}); process.exitCode = await main(${JSON.stringify(args)});`,
      ],
      {
        encoding: 'utf8',
      },
    );
    expect(result.status, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ status: 'pass' });
    expect(readFileSync(path.join(artifacts, 'files', 'output.txt'), 'utf8')).toBe('hello from the compiled CLI\n');
  });
});
