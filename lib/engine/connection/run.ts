import type { Readable } from 'node:stream';
import { ConnectionError, type Connection, type ExitStatus, type RemoteProcess } from './types';

export interface CommandResult {
  status: ExitStatus;
  stdout: string;
  stderr: string;
}

export function describeExit(status: ExitStatus): string {
  switch (status.kind) {
    case 'exited':
      return `exit code ${status.code}`;
    case 'signaled':
      return `killed by ${status.signal}`;
    case 'lost':
      return `connection lost (${status.reason})`;
  }
}

export function succeeded(status: ExitStatus): boolean {
  return status.kind === 'exited' && status.code === 0;
}

/** Feeds `input` (or nothing) to a started command and gathers its output as text. */
export async function collectCommand(
  process: RemoteProcess,
  { input, stdout = 'collect' }: { input?: string; stdout?: 'collect' | 'discard' } = {},
): Promise<CommandResult> {
  if (input !== undefined) process.stdin.end(input);
  const stdoutChunks: Buffer[] = [];
  const stderrChunks: Buffer[] = [];
  process.stdout.on('data', (chunk: Buffer) => {
    if (stdout === 'collect') stdoutChunks.push(chunk);
  });
  process.stderr.on('data', (chunk: Buffer) => stderrChunks.push(chunk));
  const status = await process.exited;
  return {
    status,
    stdout: Buffer.concat(stdoutChunks).toString(),
    stderr: Buffer.concat(stderrChunks).toString(),
  };
}

/** Runs a command to its end; stdin gets `input` when given, else EOF at once. */
export async function runCommand(
  connection: Connection,
  argv: readonly string[],
  { input = '' }: { input?: string } = {},
): Promise<CommandResult> {
  return collectCommand(await connection.run(argv), { input });
}

/** Unpacks a tar stream with the system's own `tar`, for transports without a file-copy API. */
export async function extractTarWithCommand(connection: Connection, tar: Readable, remoteDir: string): Promise<void> {
  const extract = await connection.run(['tar', '-x', '-C', remoteDir]);
  tar.pipe(extract.stdin);
  const result = await collectCommand(extract, { stdout: 'discard' });
  if (!succeeded(result.status)) {
    throw new ConnectionError(
      `${connection.label}: upload into ${remoteDir} failed: ${result.stderr.trim() || describeExit(result.status)}`,
    );
  }
}
