import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { LocalProvisioner } from '../../lib/engine/provision/local';
import { ProvisionError } from '../../lib/engine/provision/types';
import { settledWithin, shell } from './support';

describe('local provisioner', () => {
  it('hands out up to maxSystems remotes, each with its own work dir, and waits for a release', async () => {
    const provisioner = new LocalProvisioner({ maxSystems: 2 });
    await provisioner.start();
    provisioner.provision(3);
    const first = await provisioner.getRemote();
    const second = await provisioner.getRemote();
    expect(first.workDir).not.toBe(second.workDir);
    expect(await shell(first, `cd ${first.workDir} && echo hello > f && cat f`)).toBe('hello');

    const third = provisioner.getRemote();
    expect(await settledWithin(third, 100)).toBe('pending');
    await first.release();
    expect(existsSync(first.workDir)).toBe(false);
    const thirdRemote = await third;
    expect(existsSync(thirdRemote.workDir)).toBe(true);

    await first.release(); // idempotent
    await provisioner.stop();
    expect(existsSync(second.workDir)).toBe(false);
    expect(existsSync(thirdRemote.workDir)).toBe(false);
  });

  it('stop rejects waiting callers and getRemote honours its signal', async () => {
    const provisioner = new LocalProvisioner({ maxSystems: 1 });
    const aborted = provisioner.getRemote(AbortSignal.timeout(20));
    await expect(aborted).rejects.toThrow();
    const waiting = provisioner.getRemote().catch((error: unknown) => error);
    await provisioner.stop();
    expect(await waiting).toBeInstanceOf(ProvisionError);
  });

  it('rejects a bad maxSystems naming the field', () => {
    expect(() => new LocalProvisioner({ maxSystems: 0 })).toThrow(/maxSystems/);
  });
});
