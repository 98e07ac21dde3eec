import { runCommand } from '../../lib/engine/connection/run';
import type { Remote } from '../../lib/engine/provision/types';

/** Runs a shell snippet on a remote and returns its trimmed stdout; fails the test on a non-zero exit. */
export async function shell(remote: Remote, script: string): Promise<string> {
  const result = await runCommand(remote.connection, ['sh', '-c', script]);
  if (result.status.kind !== 'exited' || result.status.code !== 0) {
    throw new Error(`${remote.id}: ${script}: ${JSON.stringify(result.status)} ${result.stderr}`);
  }
  return result.stdout.trim();
}

/** Resolves with 'pending' when `promise` has not settled within `ms`. */
export function settledWithin<T>(promise: Promise<T>, ms: number): Promise<T | 'pending'> {
  return Promise.race([promise, new Promise<'pending'>((resolve) => setTimeout(() => resolve('pending'), ms))]);
}
