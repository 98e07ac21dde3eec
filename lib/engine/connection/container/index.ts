import { PassThrough, Writable, type Duplex, type Readable } from 'node:stream';
import Docker from 'dockerode';
import tar from 'tar-stream';
import { appendToFileUntil, emptyStream } from '../streams';
import { ConnectionError, type Connection, type ExitStatus, type RemoteProcess, type RunOptions } from '../types';
import { ignoreCleanupFailure, messageOf } from '../../../shared/errors';

export interface ContainerConnectionOptions {
  /** Container id or name. */
  container: string;
  /** `unix:///run/podman/podman.sock`, `tcp://host:2375`; default: dockerode's (DOCKER_HOST or /var/run/docker.sock). */
  dockerHost?: string;
}

/** Builds dockerode options from a DOCKER_HOST-style address. */
export function dockerOptions(dockerHost: string | undefined): Docker.DockerOptions {
  if (!dockerHost) return {};
  const address = new URL(dockerHost);
  if (address.protocol === 'unix:') return { socketPath: address.pathname };
  if (address.protocol === 'tcp:' || address.protocol === 'http:') {
    return { host: address.hostname, port: Number(address.port || 2375), protocol: 'http' };
  }
  throw new Error(`unsupported docker host ${dockerHost}: use unix:///PATH or tcp://HOST:PORT`);
}

/** Runs commands in a running container through the Docker-compatible API (Docker or Podman). */
export class ContainerConnection implements Connection {
  readonly label: string;
  readonly disconnectKeepsCommands = true;
  private readonly docker: Docker;
  private readonly container: Docker.Container;
  private readonly attachedStreams = new Set<Duplex>();

  constructor(options: ContainerConnectionOptions) {
    this.label = `container:${options.container}`;
    this.docker = new Docker(dockerOptions(options.dockerHost));
    this.container = this.docker.getContainer(options.container);
  }

  async connect(): Promise<void> {
    let running: boolean;
    try {
      running = (await this.container.inspect()).State.Running;
    } catch (error) {
      throw new ConnectionError(`${this.label}: ${messageOf(error)}`);
    }
    if (!running) throw new ConnectionError(`${this.label}: the container is not running`);
  }

  async run(argv: readonly string[], options: RunOptions = {}): Promise<RemoteProcess> {
    let stream: Duplex;
    let exec: Docker.Exec;
    try {
      exec = await this.container.exec({
        Cmd: [...argv],
        AttachStdin: true,
        AttachStdout: true,
        AttachStderr: true,
        Tty: false,
      });
      stream = await exec.start({ hijack: true, stdin: true });
    } catch (error) {
      throw new ConnectionError(`${this.label}: cannot start a command: ${messageOf(error)}`);
    }
    this.attachedStreams.add(stream);
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    this.docker.modem.demuxStream(stream, stdout, stderr);
    const stderrTarget = options.stderr ?? 'pipe';
    const stderrFile = stderrTarget === 'pipe' ? undefined : appendToFileUntil(stderr, stderrTarget.appendToFile);
    // a reader may stop early (destroying its stream); the rest of the output is dropped
    stdout.on('error', () => {});
    stderr.on('error', () => {});
    const streamClosed = new Promise<void>((resolve) => {
      stream.once('close', () => resolve());
      stream.once('end', () => resolve());
      stream.once('error', () => resolve());
    });
    const exited = streamClosed.then(async (): Promise<ExitStatus> => {
      this.attachedStreams.delete(stream);
      stdout.end();
      stderr.end();
      await stderrFile?.close().catch(ignoreCleanupFailure);
      try {
        const state = await exec.inspect();
        if (state.Running || state.ExitCode === null) {
          return { kind: 'lost', reason: 'the exec stream closed while the command was still running' };
        }
        return { kind: 'exited', code: state.ExitCode };
      } catch (error) {
        return { kind: 'lost', reason: messageOf(error) };
      }
    });
    const stdin = new Writable({
      write: (chunk: Buffer, _encoding, callback) => {
        stream.write(chunk, callback);
      },
      final: (callback) => {
        stream.end();
        callback();
      },
    });
    stdin.on('error', () => {});
    return {
      stdin,
      stdout,
      stderr: stderrTarget === 'pipe' ? stderr : emptyStream(),
      exited,
      kill: () => stdin.end(),
    };
  }

  async upload(archive: Readable, remoteDir: string): Promise<void> {
    try {
      await this.container.putArchive(archive, { path: remoteDir });
    } catch (error) {
      throw new ConnectionError(`${this.label}: upload into ${remoteDir} failed: ${messageOf(error)}`);
    }
  }

  async download(remotePath: string): Promise<Readable> {
    let archive: NodeJS.ReadableStream;
    try {
      archive = await this.container.getArchive({ path: remotePath });
    } catch (error) {
      throw new ConnectionError(`${this.label}: cannot download ${remotePath}: ${messageOf(error)}`);
    }
    const content = new PassThrough();
    const extract = tar.extract();
    let found = false;
    extract.on('entry', (header, entry, next) => {
      if (!found && header.type === 'file') {
        found = true;
        entry.on('data', (chunk) => {
          content.write(chunk as Buffer);
        });
        entry.on('end', next);
      } else {
        entry.on('end', next);
        entry.resume();
      }
    });
    extract.on('finish', () =>
      found ? content.end() : content.destroy(new ConnectionError(`${this.label}: ${remotePath} is not a file`)),
    );
    extract.on('error', (error) => content.destroy(error));
    archive.pipe(extract);
    return content;
  }

  disconnect(): void {
    for (const stream of this.attachedStreams) stream.destroy();
    this.attachedStreams.clear();
  }

  async close(): Promise<void> {
    this.disconnect();
  }
}
