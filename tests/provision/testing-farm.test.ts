import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TestingFarmProvisioner, type TestingFarmProvisionerOptions } from '../../lib/engine/provision/testing-farm';
import { findGuestAddress, reservationRequest } from '../../lib/engine/provision/testing-farm/reservation';
import { ProvisionError } from '../../lib/engine/provision/types';
import { startFakeTestingFarm, type FakeTestingFarm } from '../support/fake-testing-farm';
import { shell } from './support';

let farm: FakeTestingFarm;

beforeEach(async ({ onTestFailed }) => {
  farm = await startFakeTestingFarm();
  // A rare CI time-out here could not be reproduced: say where each request got to.
  onTestFailed(() => {
    const requests = [...farm.requests.values()].map(({ id, state, pipelineLog }) => ({ id, state, pipelineLog }));
    console.error(
      `fake Testing Farm after the failure: ${farm.calls.length} calls, the last ${JSON.stringify(farm.calls.slice(-20))}; requests ${JSON.stringify(requests)}`,
    );
  });
});

afterEach(async () => {
  await farm.stop();
});

const fast = { initialMs: 10, maxMs: 50 };

function provisioner(extra: Partial<TestingFarmProvisionerOptions> = {}) {
  return new TestingFarmProvisioner({
    token: farm.token,
    compose: 'Fedora-41',
    apiUrl: farm.apiUrl,
    poll: fast,
    sshRetry: fast,
    apiRetryBackoff: fast,
    ...extra,
  });
}

describe('Testing Farm provisioner', () => {
  it('reserves a system with our key, logs in once the key is installed, and cancels the request on release', async () => {
    farm.setKeyInstallDelay(300);
    const submitted: string[] = [];
    const fingerprints: string[] = [];
    const tf = provisioner({
      onRequestSubmitted: (id) => submitted.push(id),
      onNewHostKey: (_guest, fingerprint) => fingerprints.push(fingerprint),
    });
    await tf.start();
    tf.provision(1);
    const remote = await tf.getRemote();
    expect(await shell(remote, 'echo reserved')).toBe('reserved');
    const [requestId] = submitted;
    expect(remote.id).toBe(`testing-farm:${requestId}`);
    const request = farm.requests.get(requestId!)!;
    expect(request.state).toBe('running');
    expect(fingerprints).toEqual([request.system!.hostKeyFingerprint]);
    const environment = request.body.environments?.[0];
    expect(environment?.os?.compose).toBe('Fedora-41');
    expect(environment?.arch).toBe('x86_64');

    await remote.release();
    await remote.release();
    expect(request.state).toBe('canceled');
    expect(farm.runningSystems()).toBe(0);
    expect(farm.calls.filter((call) => call.method === 'DELETE')).toHaveLength(1);
    await tf.stop();
  });

  it('retries through a burst of 5xx answers', async () => {
    const tf = provisioner();
    farm.failNextCalls(3, 503);
    await tf.start();
    farm.failNextCalls(2, 502);
    tf.provision(1);
    const remote = await tf.getRemote();
    expect(await shell(remote, 'true && echo up')).toBe('up');
    expect(farm.calls.filter((call) => call.status >= 500)).toHaveLength(5);
    await tf.stop();
    expect(farm.runningSystems()).toBe(0);
  });

  it('gives up after its retries with the last error', async () => {
    const tf = provisioner({ apiRetries: 2 });
    farm.failNextCalls(10, 500);
    await expect(tf.start()).rejects.toThrow(/HTTP 500/);
    await tf.stop();
  });

  it('explains a refused token and a refused compose', async () => {
    const badToken = provisioner({ token: 'not-the-token' });
    await expect(badToken.start()).rejects.toThrow(/HTTP 401: the API token was refused .*Not authorized/);
    badToken.provision(1);
    await expect(badToken.getRemote()).rejects.toThrow(/POST \/requests answered HTTP 401/);
    await badToken.stop();

    const badCompose = provisioner({ compose: 'NoSuchOS-1' });
    badCompose.provision(1);
    const failure = await badCompose.getRemote().catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(ProvisionError);
    expect(String(failure)).toMatch(/HTTP 400: Compose 'NoSuchOS-1' is not supported/);
    await badCompose.stop();
    // 4xx are not retried
    expect(farm.calls.filter((call) => call.status === 400)).toHaveLength(1);
  });

  it('rejects once per errored request and keeps serving the others', async () => {
    const tf = provisioner();
    farm.failNextRequest('Guest provisioning failed: no capacity');
    tf.provision(1);
    const failure = await tf.getRemote().catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(ProvisionError);
    expect(String(failure)).toMatch(/ended \(error\) before the system was ready: Guest provisioning failed: no capacity/);
    tf.provision(1);
    const remote = await tf.getRemote();
    expect(await shell(remote, 'echo second')).toBe('second');
    await tf.stop();
    expect(farm.runningSystems()).toBe(0);
  });

  it('stop cancels requests still queued', async () => {
    farm.setProvisioningDelay(60_000);
    const tf = provisioner();
    tf.provision(2);
    await expect.poll(() => farm.requests.size).toBe(2);
    const waiting = tf.getRemote().catch((error: unknown) => error);
    await tf.stop();
    expect(await waiting).toBeInstanceOf(ProvisionError);
    expect([...farm.requests.values()].map((request) => request.state)).toEqual(['canceled', 'canceled']);
  });
});

describe('reservation request and guest address', () => {
  it('sends the public key base64-encoded without its comment, and the firewall rule when asked', () => {
    const body = reservationRequest({
      compose: 'CentOS-Stream-9',
      arch: 'aarch64',
      pool: 'some-pool',
      publicKey: 'ssh-ed25519 AAAAC3Nza alice@laptop',
      durationMinutes: 90,
      sshSourceCidr: '203.0.113.7/32',
    });
    const json = JSON.stringify(body);
    const [environment] = (body as { environments: Array<Record<string, unknown>> }).environments;
    expect(environment).toMatchObject({ arch: 'aarch64', os: { compose: 'CentOS-Stream-9' }, pool: 'some-pool' });
    const secrets = environment!.secrets as Record<string, string>;
    expect(Buffer.from(secrets.TF_RESERVATION_AUTHORIZED_KEYS_BASE64!, 'base64').toString()).toBe('ssh-ed25519 AAAAC3Nza testyard\n');
    expect(json).not.toContain('alice');
    expect(json).toContain('203.0.113.7/32');
    expect(body).toMatchObject({ settings: { pipeline: { timeout: 90 } } });
  });

  it('finds the guest in the pipeline log, with or without a port', () => {
    const line = (address: string) => `[12:00:01] [+] [abc] Guest is ready: ArtemisGuest(6f1c, ${address}, arch=x86_64, pool=aws)\n`;
    expect(findGuestAddress('nothing yet\n')).toBeNull();
    expect(findGuestAddress(line('root@10.0.0.5'))).toEqual({ user: 'root', host: '10.0.0.5', port: 22 });
    expect(findGuestAddress(line('ec2-user@guest.example.com:2222'))).toEqual({ user: 'ec2-user', host: 'guest.example.com', port: 2222 });
    expect(findGuestAddress(line('root@[2001:db8::1]:2200'))).toEqual({ user: 'root', host: '2001:db8::1', port: 2200 });
  });
});
