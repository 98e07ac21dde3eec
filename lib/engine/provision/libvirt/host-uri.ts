/** Where the VM host's libvirt is: this machine's system daemon, or another machine's over SSH. */
export type VmHost = { kind: 'local' } | { kind: 'ssh'; user: string; host: string; port: number };

const localUri = 'qemu:///system';
const sshUri = /^qemu\+ssh:\/\/([^@/?#]+)@([^/?#]+)\/system$/;
const userName = /^[A-Za-z_][A-Za-z0-9_.-]{0,31}$/;
const hostName = /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*$/;
const ipv6 = /^[0-9A-Fa-f:.]{2,45}$/;

/**
 * Parses a VM host URI: exactly `qemu:///system`, or
 * `qemu+ssh://USER@HOST[:PORT]/system` with a plain user and host name (no
 * query parameters: libvirt's `command=`, `keyfile=`, `socket=` would let a
 * platform run programs or read files on the worker). Throws with the reason.
 */
export function parseVmHostUri(uri: string): VmHost {
  if (uri === localUri) return { kind: 'local' };
  const match = sshUri.exec(uri);
  if (!match) throw new Error(`must be ${localUri} or qemu+ssh://USER@HOST[:PORT]/system (no query parameters)`);
  const [, user = '', address = ''] = match;
  if (!userName.test(user)) throw new Error(`"${user}" is not a user name`);
  const bracketed = /^\[([^\]]+)\](?::(\d{1,5}))?$/.exec(address);
  const plain = /^([^:[\]]+)(?::(\d{1,5}))?$/.exec(address);
  const [, host = '', port = '22'] = bracketed ?? plain ?? [];
  if (bracketed ? !ipv6.test(host) || !host.includes(':') : !hostName.test(host))
    throw new Error(`"${address}" is not a host name or address`);
  const portNumber = Number(port);
  if (!Number.isInteger(portNumber) || portNumber < 1 || portNumber > 65535) throw new Error(`port ${port} is out of range`);
  return { kind: 'ssh', user, host, port: portNumber };
}

export function describeVmHost(host: VmHost): string {
  return host.kind === 'local'
    ? localUri
    : `qemu+ssh://${host.user}@${host.host.includes(':') ? `[${host.host}]` : host.host}:${host.port}/system`;
}
