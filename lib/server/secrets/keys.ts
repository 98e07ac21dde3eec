import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { configuredKeys, dataDir } from '../config';

export interface ServerKeys {
  /** 32-byte key for AES-256-GCM encryption of stored secrets. */
  encryptionKey: Buffer;
  /** Key better-auth signs session cookies with. */
  authSecret: string;
}

const storedKeys = z.object({ encryptionKey: z.string(), authSecret: z.string() });

/**
 * Keys come from the environment (TESTYARD_SECRET_KEY as base64 of 32 bytes,
 * BETTER_AUTH_SECRET); where unset they are generated once into the data
 * folder, so a second start can still decrypt what the first one stored.
 */
export function loadServerKeys(): ServerKeys {
  const configured = configuredKeys();
  const fromFile = configured.encryptionKey && configured.authSecret ? null : readOrCreateKeyFile();
  const encoded = configured.encryptionKey ?? fromFile!.encryptionKey;
  const encryptionKey = Buffer.from(encoded, 'base64');
  if (encryptionKey.length !== 32) throw new Error('TESTYARD_SECRET_KEY must be 32 bytes encoded as base64');
  return { encryptionKey, authSecret: configured.authSecret ?? fromFile!.authSecret };
}

function readOrCreateKeyFile(): z.infer<typeof storedKeys> {
  const file = path.join(dataDir(), 'keys.json');
  const fresh = { encryptionKey: randomBytes(32).toString('base64'), authSecret: randomBytes(32).toString('base64url') };
  mkdirSync(path.dirname(file), { recursive: true });
  try {
    writeFileSync(file, JSON.stringify(fresh, null, 2) + '\n', { flag: 'wx', mode: 0o600 });
    return fresh;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  const parsed = storedKeys.safeParse(JSON.parse(readFileSync(file, 'utf8')));
  if (!parsed.success) throw new Error(`${file} is damaged: expected {"encryptionKey", "authSecret"}`);
  return parsed.data;
}
