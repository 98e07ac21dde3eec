import { describe, expect, it } from 'vitest';
import { provisionerConfig } from '../../lib/server/platforms/spec';
import { ContainerProvisioner } from '../../lib/engine/provision/container';
import { createProvisioner, type ProvisionerContext } from '../../lib/engine/provision/from-config';
import { LibvirtProvisioner } from '../../lib/engine/provision/libvirt';
import { LocalProvisioner } from '../../lib/engine/provision/local';
import { MemoryHostLeases, SshPoolProvisioner } from '../../lib/engine/provision/ssh-pool';
import { TestingFarmProvisioner } from '../../lib/engine/provision/testing-farm';
import { startFakeTestingFarm } from '../support/fake-testing-farm';

const context: ProvisionerContext = { platformId: 'p1', runId: 'r1', owner: 'rp1' };
const libvirt = provisionerConfig.parse({
  kind: 'libvirt',
  uri: 'qemu+ssh://virt@vmhost.example.com:2222/system',
  domains: 'lab-*',
  pool: 'default',
  template: 'fedora-41.qcow2',
});

describe('createProvisioner', () => {
  it('builds each kind from a stored platform config', async () => {
    const container = await createProvisioner(provisionerConfig.parse({ kind: 'container', image: 'fedora:41', cpus: 2 }), context);
    expect(container).toBeInstanceOf(ContainerProvisioner);
    expect(container.label).toBe('container fedora:41');

    const ssh = await createProvisioner(provisionerConfig.parse({ kind: 'ssh', hosts: [{ host: 'lab1' }, { host: 'lab2', port: 2222 }] }), {
      ...context,
      secret: 'a private key',
      hostLeases: new MemoryHostLeases(),
    });
    expect(ssh).toBeInstanceOf(SshPoolProvisioner);
    expect(ssh.label).toBe('ssh pool lab1:22,lab2:2222');

    const tf = await createProvisioner(provisionerConfig.parse({ kind: 'testing-farm', compose: 'Fedora-41' }), {
      ...context,
      secret: 'token',
    });
    expect(tf).toBeInstanceOf(TestingFarmProvisioner);
    expect(await createProvisioner({ kind: 'local' }, context)).toBeInstanceOf(LocalProvisioner);

    const vms = await createProvisioner(libvirt, { ...context, secret: 'a private key' });
    expect(vms).toBeInstanceOf(LibvirtProvisioner);
    expect(vms.label).toBe('libvirt lab-* on qemu+ssh://virt@vmhost.example.com:2222/system');
  });

  it('names what is missing', async () => {
    const ssh = provisionerConfig.parse({ kind: 'ssh', hosts: [{ host: 'lab1' }] });
    await expect(createProvisioner(ssh, { ...context, hostLeases: new MemoryHostLeases() })).rejects.toThrow(
      /ssh platform: secret is missing/,
    );
    await expect(createProvisioner(ssh, { ...context, secret: 'key' })).rejects.toThrow(/hostLeases/);
    const tf = provisionerConfig.parse({ kind: 'testing-farm', compose: 'Fedora-41' });
    await expect(createProvisioner(tf, context)).rejects.toThrow(/testing-farm platform: secret is missing .*API token/);
    await expect(createProvisioner(libvirt, context)).rejects.toThrow(/libvirt platform: secret is missing .*SSH private key/);
  });

  it('passes apiUrl and the secret token through to Testing Farm', async () => {
    const farm = await startFakeTestingFarm();
    try {
      const config = provisionerConfig.parse({ kind: 'testing-farm', compose: 'Fedora-41', apiUrl: farm.apiUrl });
      await (await createProvisioner(config, { ...context, secret: farm.token })).start();
      await expect((await createProvisioner(config, { ...context, secret: 'wrong' })).start()).rejects.toThrow(/401/);
    } finally {
      await farm.stop();
    }
  });
});
