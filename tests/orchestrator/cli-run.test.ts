import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { abortingTests, writeTree } from './support';

const testyard = path.resolve(import.meta.dirname, '../../bin/testyard');

async function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(testyard, args, { timeout: 60_000 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const { code, stdout, stderr } = error as { code: number; stdout: string; stderr: string };
    return { code, stdout, stderr };
  }
}

describe('testyard run', () => {
  it('exits 0 when every test passed and writes atex JSONL and JUnit XML', async () => {
    const root = await writeTree({ one: { test: 'echo one' }, two: { test: 'true' } });
    const out = await mkdtemp(path.join(tmpdir(), 'testyard-cli-run-'));
    const jsonl = path.join(out, 'results.jsonl');
    const junit = path.join(out, 'junit.xml');
    const artifacts = path.join(out, 'files');
    const result = await run([
      'run',
      '--tree',
      root,
      '--plan',
      '/plans/main',
      '--platform',
      'here=local',
      '--jsonl',
      jsonl,
      '--junit',
      junit,
      '--artifacts',
      artifacts,
    ]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('here: passed, 2 passed, 0 failed of 2');
    const lines = (await readFile(jsonl, 'utf8'))
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as unknown[]);
    expect(lines.map((line) => line[2]).sort()).toEqual(['/tests/one', '/tests/two']);
    expect(lines[0]).toEqual(['here', 'pass', expect.any(String), null, ['output.txt'], null]);
    expect(await readFile(path.join(artifacts, 'here', 'tests', 'one', 'output.txt'), 'utf8')).toBe('one\n');
    const xml = await readFile(junit, 'utf8');
    expect(xml).toContain('<testsuite name="here" tests="2" failures="0" errors="0" skipped="0"');
    expect(xml).toContain(`<system-out>${path.join(artifacts, 'here', 'tests', 'one', 'output.txt')}</system-out>`);
  });

  it('exits 1 when a test failed after its reruns, with the earlier attempts in JUnit', async () => {
    const root = await writeTree({ good: { test: 'true' }, bad: { test: 'exit 4' } });
    const out = await mkdtemp(path.join(tmpdir(), 'testyard-cli-run-'));
    const junit = path.join(out, 'junit.xml');
    const jsonl = path.join(out, 'results.jsonl');
    const result = await run([
      'run',
      '--tree',
      root,
      '--plan',
      '/plans/main',
      '--platform',
      'a=local',
      '--platform',
      'b=local',
      '--reruns',
      '1',
      '--junit',
      junit,
      '--jsonl',
      jsonl,
    ]);
    expect(result.code, result.stderr).toBe(1);
    expect(result.stdout).toContain('/tests/bad runs again (attempt 2): exit code 4');
    const xml = await readFile(junit, 'utf8');
    expect(xml.match(/<testsuite /g)).toHaveLength(2);
    expect(xml.match(/<failure message="fail" type="fail">/g)).toHaveLength(2);
    expect(xml.match(/<rerunFailure message="exit code 4" type="attempt 1">/g)).toHaveLength(2);
    // only final attempts are in atex's JSONL
    expect((await readFile(jsonl, 'utf8')).trim().split('\n')).toHaveLength(4);
  });

  it('exits 2 on infrastructure failure and on bad usage', async () => {
    const root = await writeTree({ one: { test: 'true' } }, ['exit 1']);
    const broken = await run(['run', '--tree', root, '--plan', '/plans/main', '--platform', 'x=local']);
    expect(broken.code).toBe(2);
    expect(broken.stdout).toMatch(/x: error, 0 passed, 0 failed of 1 \(setup retries exceeded/);

    const usage = await run(['run', '--tree', root, '--plan', '/plans/main', '--platform', 'x=floppy:1']);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain('--platform x=floppy:1: expected local, container:IMAGE or ssh:USER@HOST:PORT');
    const noPlan = await run(['run', '--tree', root, '--plan', '/plans/none', '--platform', 'x=local']);
    expect(noPlan.code).toBe(2);
    expect(noPlan.stderr).toContain('cannot load plan /plans/none');
  });

  it('ends within seconds of the last result whatever its tests did, leaving no process behind', async () => {
    const root = await writeTree(abortingTests);
    const cli = spawn(
      testyard,
      ['run', '--tree', root, '--plan', '/plans/main', '--platform', 'here=local', '--max-remotes', '3', '--reruns', '0'],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stdout = '';
    let lastResultAt = 0;
    cli.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      if (/\(attempt 1\) on /.test(chunk.toString())) lastResultAt = Date.now();
    });
    const exited = once(cli, 'exit');
    const timeout = setTimeout(() => cli.kill('SIGKILL'), 45_000);
    const [code] = (await exited) as [number | null];
    clearTimeout(timeout);
    expect(code, stdout).toBe(1);
    expect(stdout).toContain(`here: failed, 0 passed, ${Object.keys(abortingTests).length} failed`);
    expect(Date.now() - lastResultAt).toBeLessThan(5_000);
  });

  it('refuses a plan with a prepare step it does not run, naming plan, step and kind', async () => {
    const root = await writeTree({ one: { test: 'true' } });
    await writeFile(path.join(root, 'configured.fmf'), 'discover:\n  how: fmf\nprepare:\n  - how: ansible\n    playbook: setup.yml\n');
    const result = await run(['run', '--tree', root, '--plan', '/configured', '--platform', 'x=local']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("plan /configured: prepare step 1 is 'how: ansible', which Testyard does not run");
    expect(result.stdout).toBe('');
  });
});
