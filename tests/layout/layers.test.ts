/**
 * The layers of docs/ARCHITECTURE.md, checked on every import of the code:
 * the engine knows nothing of the web, the database or sockets; browser-safe
 * code imports only browser-safe code; entry points sit on top.
 */
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { importsOf, isClientModule, type ImportEdge } from './imports';

const repoRoot = path.resolve(import.meta.dirname, '../..');
const sourceFiles = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard', '*.ts', '*.tsx'], {
  cwd: repoRoot,
  encoding: 'utf8',
})
  .split('\n')
  .filter((file) => file && !file.startsWith('tests/') && !file.startsWith('lib/generated/') && !file.startsWith('example/'));
const edges = sourceFiles.flatMap((file) => importsOf(repoRoot, file));

const under = (folder: string) => (file: string) => file === folder || file.startsWith(`${folder}/`);
const packageName = (specifier: string) =>
  specifier
    .split('/')
    .slice(0, specifier.startsWith('@') ? 2 : 1)
    .join('/');
const describeEdge = (edge: ImportEdge) => `${edge.from} imports ${edge.specifier}`;

function violations(from: (file: string) => boolean, allowed: (edge: ImportEdge) => boolean): string[] {
  return edges.filter((edge) => from(edge.from) && !allowed(edge)).map(describeEdge);
}

/** Packages that run in browsers as well as in Node. */
const browserSafePackages = new Set(['zod', 'markdown-it']);

const webDatabaseOrSockets = /^(next|react|react-dom|@prisma\/.*|socket\.io.*|@socket\.io\/.*|pg|pg-boss|better-auth|server-only)$/;

describe('layers', () => {
  it('sees the code it checks', () => {
    expect(sourceFiles.filter(under('lib/engine')).length).toBeGreaterThan(50);
    expect(edges.length).toBeGreaterThan(1000);
  });

  it('the engine imports only itself, lib/shared and packages that are neither web, database nor sockets', () => {
    expect(
      violations(under('lib/engine'), (edge) =>
        edge.target === null
          ? !webDatabaseOrSockets.test(packageName(edge.specifier))
          : under('lib/engine')(edge.target) || under('lib/shared')(edge.target),
      ),
    ).toEqual([]);
  });

  it('lib/shared runs in browsers: it imports itself, browser-safe packages, and only types of the database client', () => {
    expect(
      violations(under('lib/shared'), (edge) =>
        edge.target === null
          ? browserSafePackages.has(packageName(edge.specifier))
          : under('lib/shared')(edge.target) || (edge.typeOnly && under('lib/generated')(edge.target)),
      ),
    ).toEqual([]);
  });

  it("'use client' modules take values only from lib/shared and the app's own modules", () => {
    const clientModules = new Set(sourceFiles.filter((file) => under('app')(file) && isClientModule(repoRoot, file)));
    expect(clientModules.size).toBeGreaterThan(10);
    expect(
      violations(
        (file) => clientModules.has(file),
        (edge) =>
          edge.typeOnly ||
          (edge.target === null ? !edge.specifier.startsWith('node:') : under('lib/shared')(edge.target) || under('app')(edge.target)),
      ),
    ).toEqual([]);
  });

  it('services never import their entry points; the worker and the CLI never import the web app', () => {
    const entryPoints = ['app', 'worker', 'cli', 'server', 'scripts'];
    const importsAny = (folders: string[]) => (edge: ImportEdge) => !!edge.target && folders.some((folder) => under(folder)(edge.target!));
    expect(violations(under('lib'), (edge) => !importsAny(entryPoints)(edge))).toEqual([]);
    expect(violations(under('worker'), (edge) => !importsAny(['app', 'cli'])(edge))).toEqual([]);
    expect(violations(under('cli'), (edge) => edge.typeOnly || !importsAny(['app', 'worker', 'lib/server'])(edge))).toEqual([]);
  });

  it('no module imports itself back through others', () => {
    expect(importCycles()).toEqual([]);
  });
});

/** Cycles of value imports between modules, each as the files around it. */
function importCycles(): string[] {
  const resolve = (target: string) =>
    ['.ts', '.tsx', '/index.ts', '/index.tsx'].map((suffix) => target + suffix).find((file) => known.has(file));
  const known = new Set(sourceFiles);
  const next = new Map<string, string[]>();
  for (const edge of edges) {
    const target = !edge.typeOnly && edge.target ? resolve(edge.target) : undefined;
    if (target) next.set(edge.from, [...(next.get(edge.from) ?? []), target]);
  }
  const cycles: string[] = [];
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (file: string) => {
    state.set(file, 'open');
    stack.push(file);
    for (const target of next.get(file) ?? []) {
      if (state.get(target) === 'open') cycles.push([...stack.slice(stack.indexOf(target)), target].join(' → '));
      else if (!state.has(target)) visit(target);
    }
    stack.pop();
    state.set(file, 'done');
  };
  for (const file of sourceFiles) if (!state.has(file)) visit(file);
  return cycles;
}
