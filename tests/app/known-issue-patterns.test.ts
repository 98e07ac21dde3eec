// User-supplied patterns over test output: hostile ones are refused when
// created or run in linear time, and output is read line by line with long
// lines cut, so no pattern or log can hang a worker (no database needed).
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect, test } from 'vitest';
import { IssueMatcher, matchOutput } from '../../lib/server/known-issues/matcher';
import { patternLimits, patternProblem } from '../../lib/server/known-issues/safe-regex';

const issue = (textPattern: string) => ({ id: 'i', testPattern: '^/tests/', platformPattern: null, statuses: ['fail'], textPattern });

test('patterns that would backtrack are refused or run in linear time', () => {
  expect(patternProblem('(a)\\1')).toMatch(/linear time/);
  expect(patternProblem('(?<=a)b')).toMatch(/linear time/);
  expect(patternProblem('([')).toMatch(/^not a valid regular expression/);
  expect(patternProblem('x'.repeat(patternLimits.patternLength + 1))).toMatch(/longer than/);
  // catastrophic for a backtracking engine, fine for this one
  expect(patternProblem('(a+)+$')).toBeNull();
  expect(patternProblem('^(a|a)*b')).toBeNull();
});

test('a catastrophic pattern over a large log of long lines finishes, and reports the line that matched', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'testyard-patterns-'));
  const file = path.join(dir, 'output.txt');
  const hostileLine = `${'a'.repeat(50_000)}!`;
  await writeFile(file, `${Array.from({ length: 200 }, () => hostileLine).join('\n')}\nfinally: aaab\n`);
  const hostile = new IssueMatcher(issue('^(a|a)*b'));
  const nested = new IssueMatcher(issue('(a+)+b$'));
  const found = await matchOutput(file, [hostile, nested]);
  expect(found.get(hostile)).toBeUndefined();
  expect(found.get(nested)).toEqual({ field: 'output', line: 201, excerpt: 'finally: aaab' });
});

test('a note is matched before the output; test, platform and status must fit first', () => {
  const matcher = new IssueMatcher({ ...issue('disk full'), platformPattern: '^fedora' });
  const candidate = { testName: '/tests/io', platform: 'fedora-41', status: 'fail', note: 'write failed: disk full' };
  expect(matcher.matchWithoutOutput(candidate)).toEqual({ field: 'note', excerpt: 'write failed: disk full' });
  expect(matcher.matchWithoutOutput({ ...candidate, platform: 'debian-12' })).toBeNull();
  expect(matcher.matchWithoutOutput({ ...candidate, status: 'pass' })).toBeNull();
  expect(matcher.matchWithoutOutput({ ...candidate, note: null })).toBeNull();
  expect(matcher.fits({ ...candidate, note: null })).toBe(true);
});
