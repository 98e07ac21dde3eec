/**
 * Settings are read in one place (lib/server/config.ts, plus the two parsers
 * it hands the environment to) and README.md lists exactly those that exist.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { expect, it } from 'vitest';

const repoRoot = path.resolve(import.meta.dirname, '../..');
const read = (file: string) => readFileSync(path.join(repoRoot, file), 'utf8');
const settingReaders = ['lib/server/config.ts', 'lib/server/security/operator-policy.ts', 'lib/server/process/container-engine.ts'];
const serviceFiles = execFileSync(
  'git',
  ['ls-files', '--cached', '--others', '--exclude-standard', 'lib/server', 'worker', 'server.ts', 'app'],
  {
    cwd: repoRoot,
    encoding: 'utf8',
  },
)
  .split('\n')
  .filter((file) => /\.tsx?$/.test(file));

it('the web server and the worker read settings only through lib/server/config.ts', () => {
  const readers = serviceFiles.filter((file) => !settingReaders.includes(file) && /process\.env(\.|\[)(?!NODE_ENV)/.test(read(file)));
  expect(readers).toEqual([]);
});

it("README's table lists every TESTYARD_ setting the code reads, and no other", () => {
  const namesIn = (text: string) => new Set(text.match(/\bTESTYARD_[A-Z_]+/g) ?? []);
  const settingsRead = [...new Set(settingReaders.flatMap((file) => [...namesIn(read(file))]))].sort();
  const tableRows = read('README.md')
    .split('\n')
    .filter((line) => line.startsWith('| `'));
  const documented = [...new Set(tableRows.flatMap((row) => [...namesIn(row.split('|')[1]!)]))].sort();
  expect(settingsRead.length).toBeGreaterThan(15);
  expect(documented).toEqual(settingsRead);
});
