// Mirrors atex tests/executor/fmf/test_pkgs.py: the plan's `prepare` installs
// packages during setup; a test's `require` is installed before its first
// run (a missing one fails the attempt as infrastructure, not as the test);
// `recommend` failures are tolerated. Real apt in a real Debian container.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { attempt, openExecutor, startTransport, type OpenExecutor, type Transport } from './harness';

describe('packages on a Debian container', () => {
  let transport: Transport;
  let remote: OpenExecutor;
  beforeAll(async () => {
    transport = await startTransport('container');
    remote = await openExecutor(transport, 'pkgs');
  }, 300_000);
  afterAll(async () => {
    await remote?.close();
    await transport?.stop();
  });

  it("test_prepare: the plan's install step ran during setup", async () => {
    const result = await attempt(remote.executor, '/test_prepare');
    expect(result.error).toBeUndefined();
    expect(result.results).toEqual([{ status: 'pass', files: ['output.txt'] }]);
    expect((await result.file('output.txt')).toString()).toMatch(/^wamerican-\S+\n$/);
  });

  it('test_require: a required package is there before the test runs', async () => {
    const result = await attempt(remote.executor, '/test_require');
    expect(result.error).toBeUndefined();
    expect((await result.file('output.txt')).toString()).toMatch(/^units-\S+\n$/);
  }, 120_000);

  it('test_require_fail: a required package that does not exist ends the attempt as infra', async () => {
    const result = await attempt(remote.executor, '/test_require_fail');
    expect(result.error?.name).toBe('TestSetupError');
    expect(result.error?.message).toMatch(/nonexistent-pkg/);
    expect(result.results).toEqual([expect.objectContaining({ status: 'infra', note: expect.stringMatching(/^TestSetupError\(/) })]);
  }, 120_000);

  it('test_recommend: a recommended package that does not exist is tolerated', async () => {
    const result = await attempt(remote.executor, '/test_recommend');
    expect(result.error).toBeUndefined();
    expect(result.results).toEqual([{ status: 'pass', files: ['output.txt'] }]);
  }, 120_000);
});
