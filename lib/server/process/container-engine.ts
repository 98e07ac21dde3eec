import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import path from 'node:path';
import Docker from 'dockerode';
import { dockerOptions } from '../../engine/connection/container';
import { environment } from '../config';

/** What `npm start` gives its worker for container platforms. */
export type ContainerEngine =
  /** An engine the environment names, or one found on a well-known socket: used as it is. */
  | { how: 'configured' | 'found'; dockerHost: string }
  /** Podman's API service, to be run (and stopped) with the app. */
  | { how: 'podman-service'; dockerHost: string; start: () => ChildProcess }
  | { how: 'none' };

type Environment = Record<string, string | undefined>;

/** Unix socket paths are limited to 108 bytes on Linux. */
const maxSocketPath = 107;

/** Where Podman (rootful, then rootless) and Docker listen when their services run. */
export function wellKnownSockets(env: Environment = environment()): string[] {
  const runtimeDir = env.XDG_RUNTIME_DIR ?? (process.getuid ? `/run/user/${process.getuid()}` : undefined);
  return ['/run/podman/podman.sock', ...(runtimeDir ? [path.join(runtimeDir, 'podman', 'podman.sock')] : []), '/var/run/docker.sock'];
}

export async function engineAnswers(dockerHost: string): Promise<boolean> {
  try {
    await new Docker({ ...dockerOptions(dockerHost), timeout: 3_000 }).ping();
    return true;
  } catch {
    return false;
  }
}

/**
 * Picks the container engine for a laptop start: TESTYARD_DOCKER_HOST or
 * DOCKER_HOST when set; else the first answering socket of a Podman service
 * this app started earlier (`serviceSocket`), of Podman or of Docker; else,
 * with podman installed, its API service on `serviceSocket`; else none.
 */
export async function chooseContainerEngine(
  serviceSocket: string,
  env: Environment = environment(),
  sockets = wellKnownSockets(env),
): Promise<ContainerEngine> {
  const configured = env.TESTYARD_DOCKER_HOST ?? env.DOCKER_HOST;
  if (configured) return { how: 'configured', dockerHost: configured };
  for (const socket of [serviceSocket, ...sockets]) {
    if (existsSync(socket) && (await engineAnswers(`unix://${socket}`))) return { how: 'found', dockerHost: `unix://${socket}` };
  }
  if (!commandExists('podman', env) || serviceSocket.length > maxSocketPath) return { how: 'none' };
  return {
    how: 'podman-service',
    dockerHost: `unix://${serviceSocket}`,
    start: () => {
      // A socket file left by a service that was killed: podman would refuse to listen on it.
      rmSync(serviceSocket, { force: true });
      // Its own process group: Ctrl-C in the terminal must not stop it before the worker has removed its containers.
      return spawn('podman', ['system', 'service', '--time=0', `unix://${serviceSocket}`], {
        stdio: ['ignore', 'ignore', 'inherit'],
        detached: true,
      });
    },
  };
}

/** Resolves once the engine answers, or false after `timeoutMs`. */
export async function untilEngineAnswers(dockerHost: string, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await engineAnswers(dockerHost)) return true;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return false;
}

function commandExists(command: string, env: Environment): boolean {
  return spawnSync('/bin/sh', ['-c', `command -v ${command}`], { stdio: 'ignore', env: { ...process.env, PATH: env.PATH } }).status === 0;
}
