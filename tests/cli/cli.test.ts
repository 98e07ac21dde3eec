// The testyard command line as a user meets it: --help everywhere, one-line
// usage errors, and a quiet end when the reader of its output goes away.
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeTree } from '../orchestrator/support';

const testyard = path.resolve(import.meta.dirname, '../../bin/testyard');

function run(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(testyard, args, { encoding: 'utf8', timeout: 60_000 });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** Runs the CLI, closes its stdout once what it printed matches `pattern`, and returns how it ended. */
async function closeOutputAt(args: string[], pattern: RegExp): Promise<{ code: number | null; read: string; stderr: string }> {
  const cli = spawn(testyard, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let read = '';
  let stderr = '';
  const onData = (chunk: Buffer) => {
    read += chunk.toString();
    if (!pattern.test(read)) return;
    cli.stdout.off('data', onData);
    cli.stdout.destroy();
  };
  cli.stdout.on('data', onData);
  cli.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const timeout = setTimeout(() => cli.kill('SIGKILL'), 45_000);
  const [code] = (await once(cli, 'exit')) as [number | null];
  clearTimeout(timeout);
  return { code, read, stderr };
}

describe('--help', () => {
  const commands = ['fmf', 'fmf show', 'fmf tests', 'fmf eval', 'exec', 'control', 'control parse', 'run', 'api', 'api run', 'api compare'];

  it.each(commands)('testyard %s --help prints its usage and exits 0', (command) => {
    for (const flag of ['--help', '-h']) {
      const result = run([...command.split(' '), flag]);
      expect([result.status, result.stderr]).toEqual([0, '']);
      expect(result.stdout).toMatch(new RegExp(`^usage:.*testyard ${command}`, 's'));
    }
  });

  it('wins over anything else wrong with the arguments', () => {
    const result = run(['run', '--no-such-option', '--plan', '--help']);
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/^usage: testyard run /);
  });
});

describe('usage errors', () => {
  it('an unknown option is one line naming it, then the usage, exit 2', () => {
    for (const args of [
      ['fmf', 'show', '--bogus', '.'],
      ['run', '--bogus'],
      ['api', 'run', '--bogus'],
      ['control', 'parse', '--bogus'],
    ]) {
      const result = run(args);
      expect(result.status).toBe(2);
      expect(result.stderr).toMatch(new RegExp(`^testyard ${args[0]}: Unknown option '--bogus'.*\nusage:`));
      expect(result.stderr).not.toMatch(/\n\s+at /);
    }
  });

  it('a missing or unknown subcommand says so', () => {
    expect(run(['api']).stderr).toMatch(/^testyard api: missing subcommand\nusage: testyard api run/);
    expect(run(['fmf', 'nope']).stderr).toMatch(/^testyard fmf: unknown subcommand "nope"\nusage:/);
    expect(run(['constructor']).stderr).toMatch(/^testyard: unknown command "constructor"/);
  });
});

describe('a closed pipe', () => {
  it('ends testyard fmf quietly with 141, as SIGPIPE ends other tools', async () => {
    const root = await writeTree(Object.fromEntries(Array.from({ length: 3000 }, (_, index) => [`t${index}`, { test: 'true' }])));
    for (const args of [
      ['fmf', 'tests', root],
      ['fmf', 'tests', '--json', root],
      ['fmf', 'show', root],
    ]) {
      const result = await closeOutputAt(args, /./);
      expect([result.code, result.stderr]).toEqual([141, '']);
    }
  });

  it('cancels testyard run, which ends its running tests, gives its systems back and exits 141', async () => {
    const marker = `sleep 31.${process.pid}`;
    const root = await writeTree(Object.fromEntries(Array.from({ length: 20 }, (_, index) => [`t${index}`, { test: marker }])));
    // Closed while the first system is being set up, and once its test runs: the next line printed finds the pipe closed.
    for (const closeAt of [/local:1 provisioned/, /local:\d+ ready/]) {
      const result = await closeOutputAt(
        ['run', '--tree', root, '--plan', '/plans/main', '--platform', 'here=local', '--max-remotes', '8'],
        closeAt,
      );
      expect([result.code, result.stderr]).toEqual([141, '']);
      expect(spawnSync('pgrep', ['-f', marker]).status, 'a test process was left running').toBe(1);
    }
  });
});
