import { lstatSync, mkdirSync, mkdtempSync, readlinkSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { loadTree } from '../../lib/engine/fmf';
import { sharedDir } from '../support/shared';
import { restoreSymlinks } from './support/conformance';

const entries = ['link', 'file-link.fmf', 'dangling'];
const targets: Record<string, string> = { link: 'real', 'file-link.fmf': 'real/main.fmf', dangling: 'nowhere' };

/** The synth-symlinks tree in one of its two stored forms. */
function buildTree(form: 'symlinks' | 'link files'): string {
  const dir = path.join(mkdtempSync(path.join(tmpdir(), 'conformance-links-')), 'tree');
  mkdirSync(path.join(dir, '.fmf'), { recursive: true });
  writeFileSync(path.join(dir, '.fmf', 'version'), '1\n');
  writeFileSync(path.join(dir, 'main.fmf'), 'top: 1\n');
  mkdirSync(path.join(dir, 'real'));
  writeFileSync(path.join(dir, 'real', 'main.fmf'), 'test: ./run\n');
  for (const entry of entries) {
    if (form === 'symlinks') symlinkSync(targets[entry], path.join(dir, entry));
    else writeFileSync(path.join(dir, entry), `${targets[entry]}\n`);
  }
  return dir;
}

describe('conformance test support', () => {
  const made: string[] = [];
  afterEach(() => {
    for (const dir of made.splice(0)) rmSync(path.dirname(dir), { recursive: true, force: true });
    vi.unstubAllEnvs();
  });

  it.each(['symlinks', 'link files'] as const)('restores the same symlinks from %s', (form) => {
    const dir = buildTree(form);
    made.push(dir);
    restoreSymlinks(dir, entries);
    for (const entry of entries) {
      expect(lstatSync(path.join(dir, entry)).isSymbolicLink()).toBe(true);
      expect(readlinkSync(path.join(dir, entry))).toBe(targets[entry]);
    }
    const names: string[] = [];
    for (const node of loadTree(dir).rootNode.climb(true)) names.push(node.name);
    expect(names).toEqual(['/', '/file-link', '/link', '/real']);
  });

  it('names the folder it expected when the conformance data is absent', () => {
    const missing = path.join(tmpdir(), 'no-such-shared-folder');
    vi.stubEnv('TESTYARD_SHARED', missing);
    expect(() => sharedDir()).toThrow(`expected the folder ${path.join(missing, 'conformance')}`);
  });
});
