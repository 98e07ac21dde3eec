import { execFile, spawn } from 'node:child_process';
import { closeSync, constants as fsConstants, createReadStream, openSync } from 'node:fs';
import { mkdtemp, open, rm } from 'node:fs/promises';
import { once } from 'node:events';
import { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { promisify } from 'node:util';
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
    const bulk = options.bulkStdout ? await kernelPipe() : undefined;
    let child;
    try {
      child = spawn(file, args, { stdio: ['pipe', bulk?.writeFd ?? 'pipe', stderrFile?.fd ?? 'pipe'] });
    } catch (error) {
      bulk?.reader.destroy();
      throw error;
    } finally {
      if (bulk) closeSync(bulk.writeFd);
      await stderrFile?.close();
    }
    const { stdin } = child;
    const stdout = bulk?.reader ?? child.stdout;
    if (!stdin || !stdout) throw new Error('child process without pipes');
    // a separate pipe is not among the child's stdio streams: its end is awaited here
    const stdoutClosed = bulk ? new Promise<void>((resolve) => bulk.reader.once('close', () => resolve())) : undefined;
    const exited = new Promise<ExitStatus>((resolve) => {
      child.once('error', (error) => {
        bulk?.reader.destroy();
        resolve({ kind: 'lost', reason: `cannot start ${file}: ${error.message}` });
      });
      child.once('close', (code, signal) => {
        const status: ExitStatus = code === null ? { kind: 'signaled', signal: signal ?? 'unknown' } : { kind: 'exited', code };
        void (stdoutClosed ?? Promise.resolve()).then(() => resolve(status));
      });
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

const execFileAsync = promisify(execFile);

/**
 * A kernel pipe (through a FIFO that is removed at once): the read end as a
 * stream, the write end as a blocking descriptor for a child's stdio.
 */
async function kernelPipe(): Promise<{ reader: Socket; writeFd: number }> {
  const dir = await mkdtemp(path.join(tmpdir(), 'testyard-pipe-'));
  try {
    const fifo = path.join(dir, 'pipe');
    await execFileAsync('mkfifo', ['-m', '600', fifo]);
    // the read end first (non-blocking: no writer yet), then the write end opens at once
    const readFd = openSync(fifo, fsConstants.O_RDONLY | fsConstants.O_NONBLOCK);
    let writeFd: number;
    try {
      writeFd = openSync(fifo, fsConstants.O_WRONLY);
    } catch (error) {
      closeSync(readFd);
      throw error;
    }
    const reader = new Socket({ fd: readFd, readable: true, writable: false });
    reader.on('error', () => {});
    return { reader, writeFd };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
