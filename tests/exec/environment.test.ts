// Mirrors atex tests/executor/fmf/test_cwd.py (test_prepare_cwd, test_test_cwd,
// the named-section cases), beakerlib libraries placed under libs/, test_env.py
// (test_prepare_env, test_test_env, test_envfile, test_envfile_shared),
// test_misc.py (test_output, test_cancel) and test_pty.py (test_with_pty,
// test_more_with_pty, test_with_pty_false, test_without_pty), over local,
// a real sshd and a Podman container.
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCommand } from '../../lib/engine/connection/run';
import { attempt, directoryWith, openExecutor, startTransport, type OpenExecutor, type Transport, type TransportName } from './harness';

describe.each<TransportName>(['local', 'ssh', 'container'])('test environment over %s', (transportName) => {
  let transport: Transport;
  const opened: OpenExecutor[] = [];
  async function open(tree: string, plan = '/plan'): Promise<OpenExecutor> {
    const remote = await openExecutor(transport, tree, { plan });
    opened.push(remote);
    return remote;
  }
  beforeAll(async () => {
    transport = await startTransport(transportName);
  });
  afterAll(async () => {
    for (const remote of opened) await remote.close();
    await transport?.stop();
  });

  it('test_prepare_cwd / test_test_cwd: prepare runs in the tree root, a test in its own directory', async () => {
    const remote = await open('cwd');
    const probe = await runCommand(remote.connection, ['bash', '-c', 'cat /var/tmp/testyard-*/plan_env.prepared']);
    expect(probe.stdout).toContain('123\n');
    const root = await attempt(remote.executor, '/test_cwd');
    expect((await root.file('output.txt')).toString()).toBe('123\n');
    const sub = await attempt(remote.executor, '/subdir/test_subdir_cwd');
    expect((await sub.file('output.txt')).toString()).toBe('456\n');
  });

  it("test_named_section / test_two_sections: each section's tree under its name, tests in their own directories", async () => {
    const named = await open('cwd', '/plan_named');
    expect((await (await attempt(named.executor, '/section/test_cwd')).file('output.txt')).toString()).toBe('123\n');
    expect((await (await attempt(named.executor, '/section/subdir/test_subdir_cwd')).file('output.txt')).toString()).toBe('456\n');
    const two = await open('cwd', '/plan_two_sections');
    expect((await (await attempt(two.executor, '/root_tests/test_cwd')).file('output.txt')).toString()).toBe('123\n');
    expect((await (await attempt(two.executor, '/sub_tests/subdir/test_subdir_cwd')).file('output.txt')).toString()).toBe('456\n');
  });

  it('beakerlib libraries: an in-tree one linked and a fetched one copied under libs/<nick>/', async () => {
    const remote = await open(await treeWithLibraries());
    const result = await attempt(remote.executor, '/tests/uses-libraries');
    expect(result.error).toBeUndefined();
    expect((await result.file('output.txt')).toString()).toBe('in-tree library\nfetched library\nsymlink\n');
  });

  it('test_prepare_env / test_test_env / test_envfile(_shared): plan, test and runner variables', async () => {
    const remote = await open('env');
    const written = await attempt(remote.executor, '/test_write_env');
    expect(written.error).toBeUndefined();
    const result = await attempt(remote.executor, '/test_env', { environment: { VAR_FROM_PARAM: 'foo bar' } });
    const output = (await result.file('output.txt')).toString();
    for (const line of [
      'VAR_FROM_PLAN=foo bar',
      'VAR_FROM_PARAM=foo bar',
      'VAR_FROM_TEST=foo bar',
      'VAR_FROM_TEST_METADATA=from metadata',
      'TMT_TEST_NAME=/test_env',
      'TMT_REBOOT_COUNT=0',
      'TMT_TEST_RESTART_COUNT=0',
    ]) {
      expect(output).toContain(`${line}\n`);
    }
    expect(output).toMatch(/^ATEX_TEST_CONTROL=\d+$/m);
    expect(output).toMatch(/^TMT_TREE=\/var\/tmp\/testyard-\w+\/tree$/m);
    const envFile = /^TMT_PLAN_ENVIRONMENT_FILE=(.+)$/m.exec(output)?.[1];
    const prepared = await runCommand(remote.connection, ['cat', `${envFile}.prepare-env`]);
    expect(prepared.stdout).toContain('VAR_FROM_PLAN=foo bar\n');
    expect(prepared.stdout).toContain(`TMT_PLAN_ENVIRONMENT_FILE=${envFile}\n`);
    const metadata = await attempt(remote.executor, '/test_metadata');
    expect(JSON.parse((await metadata.file('output.txt')).toString())).toMatchObject({ tag: ['one', 'two'] });
  });

  it('test_output: output.txt holds the exact bytes', async () => {
    const remote = await open('misc');
    const result = await attempt(remote.executor, '/test_output');
    expect(await result.file('output.txt')).toEqual(Buffer.from('test output \x00\x01\x02\x03', 'latin1'));
  });

  it('test_cancel: aborting stops the test at once', async () => {
    const remote = await open('misc');
    const controller = new AbortController();
    const started = performance.now();
    setTimeout(() => controller.abort(), 500);
    const result = await attempt(remote.executor, '/test_cancel', { signal: controller.signal });
    expect(result.error?.message).toBe('cancel requested');
    expect(result.results).toEqual([{ status: 'infra', note: 'TestAbortedError(cancel requested)', files: ['output.txt'] }]);
    expect(performance.now() - started).toBeLessThan(15_000);
  });

  it('tty: true gives an 80x24 terminal with TERM set; tty: false and no tty do not', async () => {
    const remote = await open('pty');
    const terminal = (await (await attempt(remote.executor, '/test_terminal')).file('output.txt')).toString();
    expect(terminal).toMatch(/^\/dev\/pts\/\d+\r?\n24 80\r?\nTERM=vt100\r?\n$/);
    const cat = await (await attempt(remote.executor, '/test_with_pty')).file('output.txt');
    expect(cat.includes('test1')).toBe(true);
    expect(cat.includes('test10')).toBe(true);
    const more = await (await attempt(remote.executor, '/test_more_with_pty')).file('output.txt');
    expect(more.includes('test10')).toBe(true);
    expect(more.includes('--More--')).toBe(true);
    for (const name of ['/test_with_pty_false', '/test_without_pty']) {
      const plain = await (await attempt(remote.executor, name)).file('output.txt');
      expect(plain.includes('test10')).toBe(true);
      expect(plain.includes('--More--')).toBe(false);
    }
  });
});

/** A tree whose test requires an in-tree library and one from another local fmf tree (`path:`). */
async function treeWithLibraries(): Promise<string> {
  const helpers = await directoryWith(
    { '.fmf/version': '1\n', 'strings/main.fmf': 'summary: a library\n', 'strings/lib.sh': 'echo fetched library\n' },
    'testyard-helpers-',
  );
  const main = [
    '/plan:',
    '  discover:',
    '    how: fmf',
    '/tests/uses-libraries:',
    '  test: |',
    '    sh libs/mine/lib/greeting/lib.sh',
    `    sh libs/${path.basename(helpers)}/strings/lib.sh`,
    '    test -L libs/mine/lib/greeting && echo symlink',
    '  require:',
    '    - type: library',
    '      nick: mine',
    '      name: /lib/greeting',
    '    - type: library',
    `      path: ${helpers}`,
    '      name: /strings',
    '',
  ].join('\n');
  return directoryWith(
    {
      '.fmf/version': '1\n',
      'lib/greeting/main.fmf': 'summary: a library\n',
      'lib/greeting/lib.sh': 'echo in-tree library\n',
      'main.fmf': main,
    },
    'testyard-libraries-',
  );
}
