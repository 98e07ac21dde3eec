// "Test connection" succeeding on the kinds that need a secret: an SSH pool
// host (a real sshd on loopback, key from a stored secret) and a Testing Farm
// platform (the fake Testing Farm handing out a real local sshd), both driven
// by the web server of the shared test app.
import { afterAll, beforeAll, expect, inject, test } from 'vitest';
import { api, teamWithAllRoles } from '../support/api';
import { startFakeTestingFarm } from '../support/fake-testing-farm';
import { startSshd, type SshServer } from '../support/sshd';

let team: Awaited<ReturnType<typeof teamWithAllRoles>>;
let sshd: SshServer;
let farm: Awaited<ReturnType<typeof startFakeTestingFarm>>;
const admin = () => ({ token: team.members.admin.token });
const teamPath = (path: string) => `/api/v1/teams/${team.team.slug}${path}`;

beforeAll(async () => {
  [team, sshd, farm] = await Promise.all([teamWithAllRoles(), startSshd(), startFakeTestingFarm({ port: inject('testingFarmPort') })]);
}, 120_000);

afterAll(async () => {
  await farm?.stop();
  await sshd?.stop();
});

async function secret(name: string, kind: string, value: string): Promise<string> {
  const created = await api('POST', teamPath('/secrets'), admin(), { name, kind, value });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  return created.body.id;
}

test('an SSH pool platform: uname -a over a key from a stored secret, the lease given back', async () => {
  const platform = await api('POST', teamPath('/platforms'), admin(), {
    name: 'lab',
    config: {
      kind: 'ssh',
      hosts: [{ host: sshd.host, port: sshd.port, user: sshd.username }],
      hostKeyFingerprints: { [`${sshd.host}:${sshd.port}`]: sshd.hostKeyFingerprint },
    },
    secretId: await secret('lab-key', 'ssh-private-key', sshd.privateKey),
  });
  expect(platform.status, JSON.stringify(platform.body)).toBe(201);
  const check = await api('POST', teamPath(`/platforms/${platform.body.id}/test-connection`), admin());
  expect(check.body, JSON.stringify(check.body)).toMatchObject({ ok: true, output: expect.stringMatching(/^Linux /) });
  // the host is free again: a second check gets it at once
  const again = await api('POST', teamPath(`/platforms/${platform.body.id}/test-connection`), admin());
  expect(again.body.ok).toBe(true);
});

test('a Testing Farm platform: a reservation is requested, answered over SSH and cancelled', async () => {
  const platform = await api('POST', teamPath('/platforms'), admin(), {
    name: 'tf-fedora',
    config: { kind: 'testing-farm', compose: 'Fedora-41', apiUrl: farm.apiUrl },
    secretId: await secret('tf-token', 'token', farm.token),
  });
  expect(platform.status, JSON.stringify(platform.body)).toBe(201);
  const check = await api('POST', teamPath(`/platforms/${platform.body.id}/test-connection`), admin());
  expect(check.body, JSON.stringify(check.body)).toMatchObject({ ok: true, output: expect.stringMatching(/^Linux /) });
  expect([...farm.requests.values()].map((request) => request.state)).toEqual(['canceled']);
  expect(farm.runningSystems()).toBe(0);
});
