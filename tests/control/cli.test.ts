/** `testyard control parse`, run as a user would: ./bin/testyard with the stream on stdin. */
import { spawn } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { asStrings, readTree, report, stream, withTempDir } from './support';

const cli = fileURLToPath(new URL('../../bin/testyard', import.meta.url));

function runCli(args: string[], stdin: Buffer): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(cli, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout: Buffer.concat(stdout).toString(), stderr: Buffer.concat(stderr).toString() }));
    child.stdin.on('error', () => undefined);
    child.stdin.end(stdin);
  });
}

describe('testyard control parse', () => {
  it('writes results and files and prints the results as JSON Lines', async () => {
    await withTempDir(async (root) => {
      const dir = join(root, 'artifacts');
      const data = stream(
        report('{"status": "fail", "name": "sub", "files": [{"name": "log", "length": 5}]}'),
        'hello',
        report('{"partial": true, "note": "held"}'),
      );
      const { code, stdout, stderr } = await runCli(['control', 'parse', '--artifacts', dir, '--exit-code', '1'], data);
      expect(stderr).toBe('');
      expect(code).toBe(0);
      const expected = '{"status": "fail", "name": "sub", "files": ["log"]}\n{"note": "held", "status": "fail", "files": ["output.txt"]}\n';
      expect(stdout).toBe(expected);
      expect(await readFile(join(dir, 'results'), 'utf8')).toBe(expected);
      expect(asStrings(await readTree(join(dir, 'files')))).toEqual({ 'sub/log': 'hello', 'output.txt': '' });
    });
  });

  it("defaults the exit code to the stream's exitcode line, else 0, and takes the test output from --output", async () => {
    await withTempDir(async (root) => {
      await writeFile(join(root, 'out.txt'), 'printed by the test\n');
      const fromStream = await runCli(
        ['control', 'parse', '--artifacts', join(root, 'a'), '--output', join(root, 'out.txt')],
        stream('exitcode 2\n'),
      );
      expect(fromStream.stdout).toBe('{"status": "fail", "files": ["output.txt"]}\n');
      expect(await readFile(join(root, 'a', 'files', 'output.txt'), 'utf8')).toBe('printed by the test\n');
      const byDefault = await runCli(['control', 'parse', '--artifacts', join(root, 'b')], stream());
      expect(byDefault.stdout).toBe('{"status": "pass", "files": ["output.txt"]}\n');
    });
  });

  it('exits 1 naming the problem when the stream breaks the protocol, still printing what was written', async () => {
    await withTempDir(async (root) => {
      const data = stream(
        report('{"status": "pass", "name": "first"}'),
        report('{"files": [{"name": "../../etc/passwd", "length": 4}]}'),
        'root',
      );
      const { code, stdout, stderr } = await runCli(['control', 'parse', '--artifacts', join(root, 'a')], data);
      expect(code).toBe(1);
      expect(stderr).toBe("testyard control: control stream rejected: file name '../../etc/passwd' contains '..'\n");
      expect(stdout).toBe(
        '{"status": "pass", "name": "first"}\n' +
          `{"status": "infra", "note": "BadReportJSONError(file name '../../etc/passwd' contains '..')", "files": ["output.txt"]}\n`,
      );
      expect((await readTree(root))['etc/passwd']).toBeUndefined();
    });
  });

  it('explains bad usage with exit code 2', async () => {
    await withTempDir(async (root) => {
      const missing = await runCli(['control', 'parse'], stream());
      expect(missing.code).toBe(2);
      expect(missing.stderr).toMatch(/--artifacts DIR is required/);
      const badExit = await runCli(['control', 'parse', '--artifacts', root, '--exit-code', 'x'], stream());
      expect(badExit.stderr).toMatch(/--exit-code must be an integer, got "x"/);
      const unknown = await runCli(['control', 'frobnicate'], stream());
      expect(unknown.stderr).toMatch(/unknown subcommand "frobnicate"/);
      await writeFile(join(root, 'results'), '');
      const reused = await runCli(['control', 'parse', '--artifacts', root], stream());
      expect(reused.code).toBe(2);
      expect(reused.stderr).toMatch(/cannot use --artifacts .*results already exists/);
      const help = await runCli(['control', 'parse', '--help'], stream());
      expect(help.code).toBe(0);
      expect(help.stdout).toMatch(/^usage: testyard control parse/);
    });
  });
});
