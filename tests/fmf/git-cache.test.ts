import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { discoverTests, fetchRepository, fetchTestRepository, FmfError } from '../../lib/engine/fmf';

let workspace: string;
let origin: string;
let cacheDir: string;
let firstCommit: string;

function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@x', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@x' },
  }).trim();
}

function write(file: string, content: string): void {
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, content);
}

beforeAll(() => {
  workspace = mkdtempSync(path.join(tmpdir(), 'fmf-git-'));
  origin = path.join(workspace, 'origin');
  cacheDir = path.join(workspace, 'cache');
  mkdirSync(origin);
  git(origin, 'init', '--quiet', '--initial-branch=main');
  write(path.join(origin, '.fmf', 'version'), '1\n');
  write(
    path.join(origin, 'main.fmf'),
    'duration: 10m\n/remote_test:\n  test: echo remote\n  require: [library(nolib/none), library(mylib/helper)]\n',
  );
  write(path.join(origin, 'lib', 'main.fmf'), '/helpers:\n  summary: a library\n  require: [lib-dependency]\n');
  git(origin, 'add', '-A');
  git(origin, 'commit', '--quiet', '-m', 'first');
  firstCommit = git(origin, 'rev-parse', 'HEAD');
  git(origin, 'tag', 'v1');
  write(path.join(origin, 'main.fmf'), 'duration: 10m\n/remote_test:\n  test: echo remote v2\n');
  git(origin, 'commit', '--quiet', '-am', 'second');
});

afterAll(() => rmSync(workspace, { recursive: true, force: true }));

describe('git repository cache', () => {
  it('clones, resolves refs to commits and checks each commit out once', async () => {
    const head = await fetchRepository(origin, undefined, cacheDir);
    expect(head.commit).toBe(git(origin, 'rev-parse', 'HEAD'));
    expect(readFileSync(path.join(head.checkout, 'main.fmf'), 'utf8')).toContain('v2');

    const tagged = await fetchRepository(origin, 'v1', cacheDir);
    expect(tagged.commit).toBe(firstCommit);
    expect(readFileSync(path.join(tagged.checkout, 'main.fmf'), 'utf8')).not.toContain('v2');

    const bySha = await fetchRepository(origin, firstCommit.slice(0, 10), cacheDir);
    expect(bySha.checkout).toBe(tagged.checkout);
    expect(existsSync(path.join(tagged.checkout, '.git'))).toBe(false);
  });

  it('sees new commits on the next fetch', async () => {
    write(path.join(origin, 'extra.fmf'), 'test: echo extra\n');
    git(origin, 'add', '-A');
    git(origin, 'commit', '--quiet', '-m', 'third');
    const { commit, treePath } = await fetchTestRepository({ url: origin, ref: 'main' }, cacheDir);
    expect(commit).toBe(git(origin, 'rev-parse', 'HEAD'));
    expect(existsSync(path.join(treePath, 'extra.fmf'))).toBe(true);
  });

  it('fails with FetchError for a missing repository or ref', async () => {
    await expect(fetchRepository(path.join(workspace, 'nope'), undefined, cacheDir)).rejects.toMatchObject({ kind: 'FetchError' });
    await expect(fetchRepository(origin, 'no-such-branch', cacheDir)).rejects.toBeInstanceOf(FmfError);
  });

  it('discovers tests of a plan section with url/ref, recording the commit', async () => {
    const beakerlib = path.join(workspace, 'beakerlib');
    const library = path.join(beakerlib, 'mylib');
    mkdirSync(library, { recursive: true });
    git(library, 'init', '--quiet', '--initial-branch=main');
    write(path.join(library, '.fmf', 'version'), '1\n');
    write(path.join(library, 'helper', 'main.fmf'), 'require: [helper-package]\nrecommend: optional-package\n');
    git(library, 'add', '-A');
    git(library, 'commit', '--quiet', '-m', 'library');
    const local = path.join(workspace, 'local');
    write(path.join(local, '.fmf', 'version'), '1\n');
    write(
      path.join(local, 'main.fmf'),
      [
        '/plan:',
        '  discover:',
        '    - how: fmf',
        '      name: here',
        '    - how: fmf',
        '      name: there',
        `      url: ${origin}`,
        '      ref: v1',
        '/local_test:',
        '  test: echo local',
        '  require:',
        `    - url: ${origin}`,
        '      ref: v1',
        '      name: /lib/helpers',
        '',
      ].join('\n'),
    );
    const result = await discoverTests(local, { plan: '/plan', cacheDir, beakerlibUrl: beakerlib });
    expect(result.tests.map((test) => test.name)).toEqual(['/here/local_test', '/there/remote_test']);
    const remote = result.tests[1];
    expect(remote.runtime.durationSeconds).toBe(600);
    expect(remote.source).toBe('there');
    // library(nolib/none) does not exist: it stays a package requirement, as atex leaves it.
    expect(remote.require).toEqual([
      'library(nolib/none)',
      { type: 'library', url: `${beakerlib}/mylib`, name: '/helper' },
      'helper-package',
    ]);
    expect(remote.recommend).toEqual(['optional-package']);
    expect(remote.runtime.pkgRequires).toEqual(['library(nolib/none)', 'helper-package']);
    expect(result.trees[1].fetched).toMatchObject({ url: origin, ref: 'v1', commit: firstCommit });
    const localTest = result.tests[0];
    expect(localTest.runtime.pkgRequires).toEqual(['lib-dependency']);
    expect(result.libraries).toEqual([
      { path: 'here/libs/origin/lib/helpers', copyFrom: expect.stringContaining(path.join('commits', firstCommit, 'lib', 'helpers')) },
      { path: 'there/libs/mylib/helper', copyFrom: expect.stringMatching(/mylib.*commits.*helper$/) },
    ]);
  });
});
