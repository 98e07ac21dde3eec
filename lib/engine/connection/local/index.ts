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

/** How long `close()` lets its commands end after their stdin closed and they got SIGTERM. */
const closeGraceMs = 5_000;

/** Runs commands as child processes of this worker; `close()` ends the ones still running. */
export class LocalConnection implements Connection {
  readonly label = 'local';
  private readonly running = new Set<{ kill(): void; forceKill(): void; exited: Promise<ExitStatus> }>();
  private closing = false;

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
    const kill = () => {
      stdin.end();
      child.kill('SIGTERM');
    };
    const tracked = { kill, forceKill: () => child.kill('SIGKILL'), exited };
    this.running.add(tracked);
    void exited.then(() => this.running.delete(tracked));
    // Started while the connection closes (a remote released during its setup): nothing may outlive it.
    if (this.closing) kill();
    return { stdin, stdout, stderr: child.stderr ?? emptyStream(), exited, kill };
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

  /**
   * Ends every command still running: stdin closed and SIGTERM (the test
   * agent then kills its test's process group), SIGKILL for what is left
   * after a grace period. Nothing started here outlives the connection.
   */
  async close(): Promise<void> {
    this.closing = true;
    const running = [...this.running];
    for (const command of running) command.kill();
    const ended = Promise.all(running.map((command) => command.exited));
    let grace: NodeJS.Timeout | undefined;
    const lingering = await Promise.race([
      ended.then(() => false),
      new Promise<boolean>((resolve) => (grace = setTimeout(() => resolve(true), closeGraceMs))),
    ]);
    clearTimeout(grace);
    if (lingering) {
      for (const command of this.running) command.forceKill();
      await ended;
    }
  }
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
