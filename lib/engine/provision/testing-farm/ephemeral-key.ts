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

/** A key pair from an existing private key (e.g. `--ssh-key ~/.ssh/id_ed25519`); throws on an unreadable or encrypted key. */
export function keyPairFromPrivateKey(privateKey: string, passphrase?: string): SshKeyPair {
  const parsed = utils.parseKey(privateKey, passphrase);
  if (parsed instanceof Error) throw new Error(`not a usable SSH private key: ${parsed.message}`);
  const key = Array.isArray(parsed) ? parsed[0] : parsed;
  if (!key) throw new Error('not a usable SSH private key: the file holds no key');
  return { privateKey, publicKey: `${key.type} ${key.getPublicSSH().toString('base64')}` };
}
