import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { adjustTree } from '../../lib/engine/fmf/adjust';
import { Context } from '../../lib/engine/fmf/context';
import { loadAdjustedTree } from '../../lib/engine/fmf';
import { loadTree } from '../../lib/engine/fmf/tree';

const roots: string[] = [];

/** Creates a tree from `{relative path: content}`; a content starting with `->` makes a symlink. */
function makeTree(files: Record<string, string>): string {
  const root = mkdtempSync(path.join(tmpdir(), 'fmf-tree-'));
  roots.push(root);
  mkdirSync(path.join(root, '.fmf'));
  writeFileSync(path.join(root, '.fmf', 'version'), '1\n');
  for (const [name, content] of Object.entries(files)) {
    const full = path.join(root, name);
    mkdirSync(path.dirname(full), { recursive: true });
    if (content.startsWith('->')) symlinkSync(content.slice(2), full);
    else writeFileSync(full, content);
  }
  return root;
}

afterEach(() => {
  for (const root of roots.splice(0)) rmSync(root, { recursive: true, force: true });
});

function names(root: string): string[] {
  return [...loadTree(root).rootNode.climb(true)].map((node) => node.name);
}

describe('tree loading', () => {
  it('maps files and folders to nodes, main.fmf first, and drops folders without metadata', () => {
    const root = makeTree({
      'main.fmf': 'a: 1\n/virtual:\n  b: 2\n',
      'one.fmf': 'c: 3\n',
      'dir/main.fmf': 'd: 4\n',
      'dir/sub/x.fmf': '',
      'empty/readme.txt': 'no metadata',
      'a.b.fmf': 'e: 5\n',
      'x.yaml': 'ignored: true\n',
      '.hidden.fmf': 'h: 1\n',
    });
    expect(names(root)).toEqual(['/', '/a.b', '/dir', '/dir/sub', '/dir/sub/x', '/one', '/virtual']);
    const tree = loadTree(path.join(root, 'dir', 'sub'));
    expect(tree.root).toBe(root);
    expect(tree.rootNode.find('/dir/sub/x')?.data).toEqual({ a: 1, d: 4 });
  });

  it('handles virtual nodes, nested keys, directives and scattered definitions', () => {
    const root = makeTree({
      'main.fmf': [
        'tag: [root]',
        '/a/b/c:',
        '  x: 1',
        '/a:',
        '  /b:',
        '    y: 2',
        '/free:',
        '  /:',
        '    inherit: false',
        '  z: 3',
        '',
      ].join('\n'),
      'a.fmf': '/b:\n  w: 0\n  /:\n    select: true\n',
    });
    const tree = loadTree(root);
    expect(tree.rootNode.find('/a/b')?.data).toEqual({ tag: ['root'], y: 2, w: 0 });
    expect(tree.rootNode.find('/a/b/c')?.data).toEqual({ tag: ['root'], y: 2, w: 0, x: 1 });
    expect(tree.rootNode.find('/free')?.data).toEqual({ z: 3 });
    expect([...tree.rootNode.climb()].map((node) => node.name)).toEqual(['/a/b', '/a/b/c', '/free']);
  });

  it('follows symlinks inside the tree once, and never outside it', () => {
    const outside = makeTree({ 'secret/main.fmf': 'secret: true\n' });
    const root = makeTree({
      'main.fmf': 'root: 1\n',
      'real/main.fmf': 'test: real\n',
      'real/back': '->..',
      link: '->real',
      escape: `->${path.join(outside, 'secret')}`,
      'escape-file.fmf': `->${path.join(outside, 'secret', 'main.fmf')}`,
      loop: '->.',
    });
    expect(names(root)).toEqual(['/', '/link', '/real']);
  });

  it('honours explore.include for hidden names', () => {
    const root = makeTree({ '.plans/main.fmf': 'plan: 1\n', '.other.fmf': 'x: 1\n' });
    writeFileSync(path.join(root, '.fmf', 'config'), 'explore:\n  include: [.plans]\n');
    expect(names(root)).toEqual(['/', '/.plans']);
  });

  it('fails with clear errors naming the file, line and column', () => {
    expect(() => loadTree(makeTree({ 'main.fmf': 'a: 1\n  b: [\n' }))).toThrow(/main\.fmf' at line \d+, column \d+/);
    expect(() => loadTree(makeTree({ 'main.fmf': '- a\n' }))).toThrow(expect.objectContaining({ kind: 'TypeError' }));
    expect(() => loadTree(makeTree({ 'main.fmf': '/x: 5\n' }))).toThrow(expect.objectContaining({ kind: 'AttributeError' }));
    expect(() => loadTree(makeTree({ 'main.fmf': '/:\n  weird: true\n' }))).toThrow(/Unknown fmf directive 'weird' in '\/'/);
    expect(() => loadTree(makeTree({ 'main.fmf': 'a: 1\nb+: x\n/c:\n  a+: [1]\n' }))).toThrow(/MergeError: Key 'a' in \/c/);
    expect(() => loadTree(path.join(tmpdir(), 'no-such-dir-for-fmf'))).toThrow(expect.objectContaining({ kind: 'FileError' }));
    const badVersion = makeTree({});
    writeFileSync(path.join(badVersion, '.fmf', 'version'), 'one\n');
    expect(() => loadTree(badVersion)).toThrow(/Invalid version format/);
  });

  it('adjusts each node with its inherited rules, names node and rule on errors', () => {
    const root = makeTree({
      'main.fmf': 'adjust:\n  - tag+: [x86]\n    when: arch == x86_64\n/child:\n  tag: [c]\n/bad:\n  adjust:\n    when: distro ==\n',
    });
    const tree = loadTree(root);
    expect(() => adjustTree(tree.rootNode, new Context({ arch: 'x86_64' }))).toThrow(/Cannot parse expression 'distro =='.*node '\/bad'/);
    const fresh = loadTree(root);
    adjustTree(fresh.rootNode.find('/child')!, new Context({ arch: 'x86_64' }));
    expect(fresh.rootNode.find('/child')?.data.tag).toEqual(['c', 'x86']);
    const viaApi = loadAdjustedTree(makeTree({ 'main.fmf': 'adjust:\n  tag+: [x86]\n  when: arch == x86_64\n/t:\n  tag: [t]\n' }), {
      arch: 'x86_64',
    });
    expect(viaApi.rootNode.find('/t')?.data.tag).toEqual(['t', 'x86']);
  });
});
