// Mirrors atex tests/executor/fmf/test_reboot.py: test_reboot, test_reboot_count,
// test_reboot_unexpected. A reboot is simulated: the test sends `disconnect`,
// the runner cuts the connection, the test's processes die, and the runner
// reconnects and restarts the test with TMT_REBOOT_COUNT incremented. An SSH
// session that drops without `disconnect` aborts the attempt with a clear error.
import { expect, it } from 'vitest';
import { attempt, describeOverEachTransport } from './harness';

describeOverEachTransport('reboot', 'reboot', ({ transportName, remote }) => {
  it('test_reboot: the restarted test sees TMT_REBOOT_COUNT=1', async () => {
    const result = await attempt(remote().executor, '/test_reboot');
    expect(result.error).toBeUndefined();
    expect(result.results).toEqual([{ status: 'pass', files: ['output.txt'] }]);
    expect((await result.file('output.txt')).toString()).toBe('disconnecting\nrebooted: TMT_REBOOT_COUNT=1 TMT_TEST_RESTART_COUNT=1\n');
  });

  it('test_reboot_count: two reboots, three boots, one output', async () => {
    const result = await attempt(remote().executor, '/test_reboot_count');
    expect(result.error).toBeUndefined();
    expect(result.results).toEqual([{ status: 'pass', files: ['output.txt'] }]);
    expect((await result.file('output.txt')).toString()).toBe('first boot\nsecond boot\nthird boot\n');
  });

  it.runIf(transportName === 'ssh')('test_reboot_unexpected: an SSH session dropped without disconnect aborts', async () => {
    const result = await attempt(remote().executor, '/test_ssh_dropped');
    expect(result.error?.name).toBe('TestAbortedError');
    expect(result.error?.message).toMatch(/disconnect was not sent via test control/);
    expect(result.results).toEqual([
      { status: 'infra', note: expect.stringMatching(/^TestAbortedError\(test wrapper .*disconnect was not sent/), files: ['output.txt'] },
    ]);
    expect((await result.file('output.txt')).toString()).toBe('dropping the connection\n');
    // the executor reconnects for the next test
    const next = await attempt(remote().executor, '/test_reboot');
    expect(next.error).toBeUndefined();
  });
});
