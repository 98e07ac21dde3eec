import { appendFile, readFile } from 'node:fs/promises';
import path from 'node:path';
import { startSshd, type SshServer } from './sshd';

export interface SshdPool {
  servers: SshServer[];
  /** One client key every server accepts. */
  privateKey: string;
  stop(): Promise<void>;
}

/**
 * Several throwaway sshd servers (see startSshd) that all accept the first
 * one's client key, like a lab pool reached with one platform secret.
 */
export async function startSshdPool(count: number): Promise<SshdPool> {
  const servers = await Promise.all(Array.from({ length: count }, () => startSshd()));
  const [first] = servers;
  if (!first) throw new Error('an sshd pool needs at least one server');
  const publicKey = await readFile(`${first.privateKeyPath}.pub`);
  // startSshd keeps authorized_keys next to its client key
  await Promise.all(
    servers.slice(1).map((server) => appendFile(path.join(path.dirname(server.privateKeyPath), 'authorized_keys'), publicKey)),
  );
  return {
    servers,
    privateKey: first.privateKey,
    stop: async () => {
      await Promise.all(servers.map((server) => server.stop()));
    },
  };
}
