// A small fmf test repository, committed to a local git repository, for the
// setup tests (API, browser, CLI): four tests, two plans, a context rule,
// a branch whose YAML is broken and one with a plan Testyard does not run.
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

const files: Record<string, string> = {
  '.fmf/version': '1\n',
  'plans/main.fmf': 'discover:\n    how: fmf\nexecute:\n    how: tmt\n',
  'plans/smoke.fmf': 'summary: every test\n',
  'plans/fast.fmf': 'summary: only the fast ones\ndiscover+:\n    filter: "tag: fast"\n',
  'tests/pass-one/main.fmf': 'summary: says one\ntest: echo one\nduration: 1m\ntag: [fast]\n',
  'tests/pass-two/main.fmf': 'summary: says two\ntest: echo two\ntag: [slow]\n',
  'tests/fails/main.fmf': 'summary: always fails\ntest: exit 1\nduration: 2m\nadjust:\n  - enabled: false\n    when: distro == fedora\n',
  'tests/heavy/main.fmf': 'summary: needs packages\ntest: "true"\nrequire: [bash, make]\ntag: [slow]\n',
};

export const fixtureTests = ['/tests/fails', '/tests/heavy', '/tests/pass-one', '/tests/pass-two'];

async function git(dir: string, ...args: string[]): Promise<string> {
  const { stdout } = await run('git', ['-C', dir, '-c', 'user.name=Fixture', '-c', 'user.email=fixture@example.com', ...args]);
  return stdout.trim();
}

export async function writeFixtureTree(dir: string): Promise<void> {
  for (const [name, text] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(dir, name)), { recursive: true });
    await writeFile(path.join(dir, name), text);
  }
}

/**
 * A git repository with the tree on `main`, a `broken` branch whose pass-one
 * metadata is not YAML, and an `ansible` branch whose `/plans/configured` has
 * an ansible prepare step.
 */
export async function createFixtureRepo(): Promise<{ dir: string; url: string; commit: string }> {
  const dir = await mkdtemp(path.join(tmpdir(), 'testyard-fixture-repo-'));
  await git(dir, 'init', '-q', '-b', 'main');
  await writeFixtureTree(dir);
  await git(dir, 'add', '-A');
  await git(dir, 'commit', '-q', '-m', 'fixture');
  const commit = await git(dir, 'rev-parse', 'HEAD');
  await git(dir, 'checkout', '-q', '-b', 'broken');
  await writeFile(path.join(dir, 'tests/pass-one/main.fmf'), 'summary: says one\ntest: [unclosed\n');
  await git(dir, 'commit', '-q', '-am', 'break the YAML');
  await git(dir, 'checkout', '-q', '-b', 'ansible', 'main');
  await writeFile(
    path.join(dir, 'plans/configured.fmf'),
    'prepare:\n  - how: shell\n    script: "true"\n  - name: configure\n    how: ansible\n    playbook: setup.yml\n',
  );
  await git(dir, 'add', 'plans/configured.fmf');
  await git(dir, 'commit', '-q', '-m', 'a plan with an ansible step');
  await git(dir, 'checkout', '-q', 'main');
  return { dir, url: `file://${dir}`, commit };
}
