import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { conformanceDir } from './support/conformance';

const binary = path.resolve(import.meta.dirname, '../../bin/testyard');
const tree = (name: string) => path.join(conformanceDir(), 'trees', name);

function testyard(args: string[], input?: string) {
  const result = spawnSync(binary, ['fmf', ...args], { input, encoding: 'utf8' });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('testyard fmf', () => {
  it('show --json prints every node with resolved data, keeping floats', () => {
    const { status, stdout } = testyard([
      'show',
      tree('synth-adjust'),
      '--json',
      '--context',
      'distro=fedora-40,rhel-9',
      '--context',
      'arch=x86_64',
    ]);
    expect(status).toBe(0);
    const nodes = JSON.parse(stdout) as Record<string, { tag: string[]; require: string[] }>;
    expect(Object.keys(nodes)[0]).toBe('/');
    expect(nodes['/inherits'].require).toEqual(['base', 'fedora-only']);
    const scalars = testyard(['show', tree('synth-yaml-scalars'), '--json', '--no-adjust']).stdout;
    expect(scalars).toContain('"f_int_like": 7.0');
  });

  it('show --filter prints only what prune selects', () => {
    const { stdout } = testyard(['show', tree('atex-fmf-metadata'), '--json', '--filter', 'tag: tagged']);
    expect(Object.keys(JSON.parse(stdout) as object)).toEqual(['/filters/filter1']);
  });

  it('tests --json prints the atex discover result', () => {
    const { status, stdout } = testyard(['tests', tree('atex-fmf-metadata'), '--plan', '/plans/filtered', '--json']);
    expect(status).toBe(0);
    const result = JSON.parse(stdout) as { test_order: string[]; test_runtime: Record<string, { duration_seconds: number }> };
    expect(result.test_order).toEqual(['/filters/filter4', '/filters/filter5']);
    expect(result.test_runtime['/filters/filter4'].duration_seconds).toBe(300);
  });

  it('eval answers rules and filters line by line', () => {
    const input = [
      '{"context": {"distro": "fedora-40"}, "rule": "distro >= fedora-39", "case_sensitive": true}',
      '{"context": {}, "rule": "distro == fedora"}',
      '{"context": {}, "rule": "distro =="}',
      '{"filter": "ratio: 1.0", "data": {"ratio": 1.0}, "regexp": false, "sensitive": true}',
      '{"filter": "/a", "data": {}, "regexp": true, "name": "/a/b"}',
      'not json',
    ].join('\n');
    const lines = testyard(['eval'], input)
      .stdout.trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { result: unknown });
    expect(lines.map((line) => line.result)).toEqual([
      true,
      'cannot-decide',
      { error: "InvalidRule: Cannot parse expression 'distro =='." },
      true,
      true,
      { error: expect.stringContaining('invalid JSON') },
    ]);
  });

  it('exits non-zero with the file, line and column, or the node and rule', () => {
    const yaml = testyard(['show', tree('synth-err-yaml-duplicate-child'), '--json']);
    expect(yaml.status).not.toBe(0);
    expect(yaml.stderr).toMatch(/main\.fmf' at line 3, column 1: found duplicate key "\/a"/);
    const rule = testyard(['show', tree('synth-err-adjust-format'), '--json']);
    expect(rule.status).not.toBe(0);
    expect(rule.stderr).toMatch(/Invalid adjust rule format in '\/'/);
    expect(testyard(['tests', tree('atex-fmf-metadata'), '--plan', '/nope', '--json']).stderr).toMatch(/plan \/nope not found/);
    expect(testyard(['show']).status).toBe(2);
  });
});
