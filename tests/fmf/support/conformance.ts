import { execFileSync } from 'node:child_process';
import { lstatSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { FmfError } from '../../../lib/engine/fmf/errors';
import { sharedDir } from '../../support/shared';
import { parseJson } from '../../../lib/engine/fmf/json';
import type { FmfMapping, FmfValue } from '../../../lib/engine/fmf/values';

export const conformanceDir = () => path.join(sharedDir(), 'conformance', 'fmf');

export function readGolden(file: string): FmfMapping {
  return parseJson(readFileSync(file, 'utf8')) as FmfMapping;
}

export function goldenTreeCases(): { tree: string; caseName: string; file: string }[] {
  const goldenDir = path.join(conformanceDir(), 'golden');
  return readdirSync(goldenDir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && entry.name !== 'atex-discover')
    .flatMap((entry) =>
      readdirSync(path.join(goldenDir, entry.name))
        .filter((name) => name.endsWith('.json'))
        .map((name) => ({ tree: entry.name, caseName: name.slice(0, -5), file: path.join(goldenDir, entry.name, name) })),
    );
}

/**
 * The entries that are symlinks in the reference trees. A copy of the shared
 * folder may hold them as real symlinks or, where git checked it out without
 * symlink support, as "link files": plain files holding the link target.
 */
const symlinkEntries: Record<string, string[]> = {
  'synth-symlinks': ['link', 'file-link.fmf', 'dangling'],
};

/** Turns each of `entries` under `dir` that is a link file into the symlink it stands for; real symlinks stay. */
export function restoreSymlinks(dir: string, entries: string[]): void {
  for (const entry of entries) {
    const file = path.join(dir, entry);
    if (lstatSync(file).isSymbolicLink()) continue;
    const target = readFileSync(file, 'utf8').trim();
    rmSync(file);
    symlinkSync(target, file);
  }
}

const copies = new Map<string, string>();

/** The path to read a conformance tree from (a temporary `cp -a` copy with symlinks restored when it has any). */
export function conformanceTreePath(tree: string): string {
  const original = path.join(conformanceDir(), 'trees', tree);
  const links = symlinkEntries[tree];
  if (!links) return original;
  const cached = copies.get(tree);
  if (cached) return cached;
  const copyRoot = mkdtempSync(path.join(tmpdir(), 'fmf-conformance-'));
  const copy = path.join(copyRoot, tree);
  execFileSync('cp', ['-a', original, copy]);
  execFileSync('chmod', ['-R', 'u+w', copy]);
  restoreSymlinks(copy, links);
  copies.set(tree, copy);
  return copy;
}

/** The reference class name for an engine error (`re.error` is called `error` in Python). */
export function referenceClass(error: unknown): string {
  if (!(error instanceof FmfError)) throw error;
  return error.kind === 'RegexError' ? 'error' : error.kind;
}

export type { FmfValue };
