import { spawn } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { once } from 'node:events';
import type { Readable } from 'node:stream';
import type { Connection, ExitStatus, RemoteProcess, RunOptions } from '../types';
import { extractTarWithCommand } from '../run';
import { emptyStream } from '../streams';

/** Runs commands as child processes of this worker. */
export class LocalConnection implements Connection {
  readonly label = 'local';

  async connect(): Promise<void> {}

  async run(argv: readonly string[], options: RunOptions = {}): Promise<RemoteProcess> {
    const [file, ...args] = argv;
    if (!file) throw new Error('empty command');
    const stderrTarget = options.stderr ?? 'pipe';
    // the child writes its stderr straight into the file: no bytes pass through this process
    const stderrFile = stderrTarget === 'pipe' ? undefined : await open(stderrTarget.appendToFile, 'a');
    const child = spawn(file, args, { stdio: ['pipe', 'pipe', stderrFile?.fd ?? 'pipe'] });
    const { stdin, stdout } = child;
    if (!stdin || !stdout) throw new Error('child process without pipes');
    await stderrFile?.close();
    const exited = new Promise<ExitStatus>((resolve) => {
      child.once('error', (error) => resolve({ kind: 'lost', reason: `cannot start ${file}: ${error.message}` }));
      child.once('close', (code, signal) =>
        resolve(code === null ? { kind: 'signaled', signal: signal ?? 'unknown' } : { kind: 'exited', code }),
      );
    });
    // a command that exits without reading its stdin must not crash the worker with EPIPE
    stdin.on('error', () => {});
    return {
      stdin,
      stdout,
      stderr: child.stderr ?? emptyStream(),
      exited,
      kill: () => {
        stdin.end();
        child.kill('SIGTERM');
      },
    };
  }

  upload(tar: Readable, remoteDir: string): Promise<void> {
    return extractTarWithCommand(this, tar, remoteDir);
  }

  async download(remotePath: string): Promise<Readable> {
    const stream = createReadStream(remotePath);
    await once(stream, 'open');
    return stream;
  }

  disconnect(): void {}

  async close(): Promise<void> {}
}
