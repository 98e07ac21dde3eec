// The tests directory as uploaded: parts placed at their paths, extracted by GNU tar.
import { execFile, spawn } from 'node:child_process';
import { mkdtemp, readFile, readlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { promisify } from 'node:util';
import { expect, test } from 'vitest';
import { archiveTree } from '../../lib/engine/executor/tree-archive';
import { directoryWith } from './harness';

const run = promisify(execFile);

test('sections at their names, libraries under libs/ with their parents created, .git left out, extra entries at the top', async () => {
  const section = await directoryWith({ 'main.fmf': '/t:\n  test: true\n', '.git/HEAD': 'ref\n', 'libs/kept': 'own\n' });
  const library = await directoryWith({ 'lib.sh': 'echo lib\n' });
  const target = await mkdtemp(path.join(tmpdir(), 'testyard-extracted-'));
  const tar = spawn('tar', ['-x', '-C', target], { stdio: ['pipe', 'inherit', 'inherit'] });
  await pipeline(
    archiveTree(
      [
        { at: 'first', directory: section },
        { at: 'first/libs/nick/deep/name', directory: library },
        { at: 'first/libs/other/name', symlink: '../../../first' },
      ],
      'tree',
      [
        { name: 'agent.sh', content: 'true\n' },
        { name: 'scripts', directory: true },
      ],
    ),
    tar.stdin,
  );
  await new Promise((resolve) => tar.on('close', resolve));
  const { stdout } = await run('find', ['.', '-mindepth', '1'], { cwd: target });
  expect(stdout.trim().split('\n').sort()).toEqual(
    [
      './agent.sh',
      './scripts',
      './tree',
      './tree/first',
      './tree/first/main.fmf',
      './tree/first/libs',
      './tree/first/libs/kept',
      './tree/first/libs/nick',
      './tree/first/libs/nick/deep',
      './tree/first/libs/nick/deep/name',
      './tree/first/libs/nick/deep/name/lib.sh',
      './tree/first/libs/other',
      './tree/first/libs/other/name',
    ].sort(),
  );
  expect(await readFile(path.join(target, 'tree/first/libs/nick/deep/name/lib.sh'), 'utf8')).toBe('echo lib\n');
  expect(await readlink(path.join(target, 'tree/first/libs/other/name'))).toBe('../../../first');
});

test('a part placed outside the tests directory is refused before anything is sent', () => {
  for (const at of ['../etc', 'libs/../../x', '/abs', 'libs//x', './x']) {
    expect(() => archiveTree([{ at, directory: tmpdir() }], 'tree', []), at).toThrow(`cannot place "${at}" in the tests directory`);
  }
});
