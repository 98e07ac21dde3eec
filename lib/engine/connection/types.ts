import type { Readable, Writable } from 'node:stream';

/** How a command on the other side ended. `lost`: the transport broke before the command reported its end. */
export type ExitStatus = { kind: 'exited'; code: number } | { kind: 'signaled'; signal: string } | { kind: 'lost'; reason: string };

export interface RunOptions {
  /**
   * Where the command's stderr goes: a readable stream (default), or appended
   * straight to a local file. `exited` resolves only once the file has every byte.
   */
  stderr?: 'pipe' | { appendToFile: string };
  /**
   * stdout will carry bulk data (a long-lived command's control streams): the
   * transport may use a cheaper channel for it. Local: a kernel pipe instead of
   * a socket pair, which costs about a third less CPU per byte.
   */
  bulkStdout?: boolean;
}

export interface RemoteProcess {
  readonly stdin: Writable;
  readonly stdout: Readable;
  /** Empty (ends at once) when stderr goes to a file. */
  readonly stderr: Readable;
  /** Settles once the command ended and its output streams were drained; never rejects. */
  readonly exited: Promise<ExitStatus>;
  /**
   * Asks the command to stop: its stdin is closed and it gets a termination
   * signal where the transport can deliver one. `exited` still settles later.
   */
  kill(): void;
}

/** A way to run commands and move files on one system. */
export interface Connection {
  /** For messages: where this connection goes. */
  readonly label: string;
  /** Opens the transport if it is not open; cheap when it is. Rejects when the system cannot be reached. */
  connect(): Promise<void>;
  /** Starts `argv` (no shell involved on our side). Connects first when needed. */
  run(argv: readonly string[], options?: RunOptions): Promise<RemoteProcess>;
  /** Unpacks a tar stream into `remoteDir`, which must exist. */
  upload(tar: Readable, remoteDir: string): Promise<void>;
  /** Streams one file's bytes. */
  download(remotePath: string): Promise<Readable>;
  /** Drops the transport at once (a reboot is coming); `connect()` opens a new one. */
  disconnect(): void;
  /**
   * True when `disconnect()` leaves the commands it ran attached to nothing
   * but still running with their output open (container execs): their writes
   * never fail, so a test waiting for its control stream to break waits in vain.
   */
  readonly disconnectKeepsCommands?: boolean;
  /** Closes the transport for good. */
  close(): Promise<void>;
}

export class ConnectionError extends Error {
  override readonly name = 'ConnectionError';
}
