import ssh2 from 'ssh2';

// ssh2 is CommonJS; Node's ESM loader cannot see `utils` as a named export.
const { utils } = ssh2;

export interface SshKeyPair {
  /** OpenSSH private key text, for our SSH client. */
  privateKey: string;
  /** `ssh-ed25519 AAAA... comment`, for authorized_keys. */
  publicKey: string;
}

/** A fresh ed25519 key pair that lives only in this process's memory. */
export function generateEphemeralKey(comment: string): SshKeyPair {
  const pair = utils.generateKeyPairSync('ed25519', { comment });
  return { privateKey: pair.private, publicKey: pair.public };
}
