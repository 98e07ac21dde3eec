// `testyard exec` end to end: mirrors the exit-code contract of atex's
// FMFExecutor.run_test (a finished test, whatever its status, is a success;
// TestAbortedError / BadControlError are failures) over local, a real sshd
// and a Podman container; plus usage errors and ssh host-key pinning.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixtureTree, newArtifactsDir, readAttempt, runCli, startTransport, type Transport, type TransportName } from './harness';

describe.each<TransportName>(['local', 'ssh', 'container'])('testyard exec over %s', (transportName) => {
  let transport: Transport;
  beforeAll(async () => {
    transport = await startTransport(transportName);
  });
  afterAll(async () => {
    await transport?.stop();
  });

  async function exec(test: string) {
    const artifacts = await newArtifactsDir();
    const run = await runCli([
      'exec',
      ...transport.cliArgs,
      '--tree',
      fixtureTree('results'),
      '--plan',
      '/plan',
      '--test',
      test,
      '--artifacts',
      artifacts,
    ]);
    return { run, attempt: await readAttempt(artifacts) };
  }

  it('a failing test ran: exit 0, results printed as JSON Lines', async () => {
    const { run, attempt } = await exec('/noresult_fail');
    expect(run.code).toBe(0);
    expect(run.stdout).toBe('{"status": "fail", "files": ["output.txt"]}\n');
    expect(run.stdout).toBe(attempt.resultsText);
    expect((await attempt.file('output.txt')).toString()).toBe('failing the script\n');
  });

  it('a timed-out test is an infrastructure failure: exit 1 with the reason, results kept', async () => {
    const { run, attempt } = await exec('/noresult_abort');
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('TestAbortedError: test duration timeout reached');
    expect(JSON.parse(run.stdout)).toEqual({
      status: 'infra',
      note: 'TestAbortedError(test duration timeout reached)',
      files: ['output.txt'],
    });
    expect(attempt.files).toEqual(['output.txt']);
  });

  it('a broken control stream: exit 1 naming the problem', async () => {
    const { run } = await exec('/escaping_file_name');
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("ControlStreamError: file name '../escaped' contains '..'");
    expect(run.stdout).toBe('{"status": "pass", "files": ["kept"]}\n');
  });
});

describe('testyard exec usage', () => {
  it('rejects missing options and unknown tests with exit 2', async () => {
    const missing = await runCli(['exec', '--connection', 'local']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('missing --tree, --test, --artifacts');
    const unknown = await runCli([
      'exec',
      '--connection',
      'local',
      '--tree',
      fixtureTree('results'),
      '--plan',
      '/plan',
      '--test',
      '/nope',
      '--artifacts',
      await newArtifactsDir(),
    ]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('test /nope not found');
  });

  it('refuses an ssh server whose host key does not match the pinned one', async () => {
    const transport = await startTransport('ssh');
    try {
      const args = [...transport.cliArgs];
      args[args.indexOf('--host-key') + 1] = 'SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA';
      const run = await runCli([
        'exec',
        ...args,
        '--tree',
        fixtureTree('results'),
        '--plan',
        '/plan',
        '--test',
        '/trivial',
        '--artifacts',
        await newArtifactsDir(),
      ]);
      expect(run.code).toBe(1);
      expect(run.stderr).toContain('host key mismatch');
    } finally {
      await transport.stop();
    }
  });
});
