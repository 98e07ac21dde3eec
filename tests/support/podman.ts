import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, watch } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import Docker from 'dockerode';
import { awaitedLater } from '../../lib/shared/errors';

const run = promisify(execFile);

/** Debian bookworm minbase (bash, coreutils, util-linux's script, apt), imported into podman once and reused. */
export const testImage = 'localhost/testyard-exec-test:bookworm-1';

const systemContainersConf = '/etc/containers/containers.conf';

/** Podman on this kernel needs runc, cgroupfs and low ulimits; installs the repo's config when there is none. */
export async function ensurePodmanConfig(): Promise<void> {
  if (existsSync(systemContainersConf)) return;
  await mkdir(path.dirname(systemContainersConf), { recursive: true });
  await copyFile(path.join(import.meta.dirname, 'containers.conf'), systemContainersConf);
}

/**
 * Builds the test image with debootstrap from the system's Debian mirror when
 * podman does not have it yet. A file lock makes parallel test files wait for
 * one build instead of racing.
 */
export async function ensureTestImage(): Promise<string> {
  await ensurePodmanConfig();
  const mirror = process.env.TESTYARD_DEBIAN_MIRROR ?? (await aptMirror());
  const build = `
    podman image exists ${testImage} && exit 0
    rootfs=$(mktemp -d /var/tmp/testyard-rootfs-XXXXXX)
    trap 'rm -rf "$rootfs"' EXIT
    debootstrap --variant=minbase bookworm "$rootfs" ${mirror} >&2
    rm -rf "$rootfs"/var/cache/apt/archives/*.deb
    tar -C "$rootfs" -c . | podman import --change 'CMD ["sleep", "infinity"]' - ${testImage} >&2
  `;
  try {
    await run('flock', ['/var/lock/testyard-test-image.lock', 'bash', '-ec', build], { maxBuffer: 64 * 1024 * 1024 });
  } catch (error) {
    const { stderr } = error as { stderr?: string };
    throw new Error(`building ${testImage} failed (needs podman, debootstrap and the Debian mirror): ${stderr ?? String(error)}`);
  }
  return testImage;
}

/** The Debian archive this machine's apt uses (deb822 `.sources` files or the classic sources.list). */
export async function aptMirror(): Promise<string> {
  const dir = '/etc/apt/sources.list.d';
  const files = [
    ...(existsSync(dir) ? (await readdir(dir)).filter((f) => f.endsWith('.sources')).map((f) => path.join(dir, f)) : []),
    '/etc/apt/sources.list',
  ];
  for (const file of files) {
    const text = await readFile(file, 'utf8').catch(() => '');
    const uri = /^URIs:\s*(\S+\/debian)\/?\s*$/m.exec(text)?.[1] ?? /^deb\s+(?:\[[^\]]*\]\s+)?(\S+\/debian)\/?\s+\S+/m.exec(text)?.[1];
    if (uri) return uri;
  }
  throw new Error('no Debian archive found in /etc/apt/sources.list*: set TESTYARD_DEBIAN_MIRROR to one');
}

export interface PodmanService {
  /** `unix:///...` for ContainerConnection / dockerode. */
  dockerHost: string;
  docker: Docker;
  stop(): Promise<void>;
}

/** Starts `podman system service` on a private socket: a Docker-compatible API. */
export async function startPodmanService(): Promise<PodmanService> {
  await ensurePodmanConfig();
  const dir = await mkdtemp(path.join(tmpdir(), 'testyard-podman-'));
  const socketPath = path.join(dir, 'podman.sock');
  const appeared = waitForFile(dir, 'podman.sock');
  const service = spawn('podman', ['system', 'service', '--time=0', `unix://${socketPath}`], {
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const failed = once(service, 'exit').then(([code]) => {
    throw new Error(`podman system service exited with ${String(code)}`);
  });
  await Promise.race([appeared, failed]);
  failed.catch(awaitedLater);
  const docker = new Docker({ socketPath });
  await untilAnswering(docker);
  return {
    dockerHost: `unix://${socketPath}`,
    docker,
    stop: async () => {
      if (service.exitCode === null && service.signalCode === null) {
        const exited = once(service, 'exit');
        service.kill('SIGTERM');
        await exited;
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** The socket file exists a moment before podman accepts connections on it. */
async function untilAnswering(docker: Docker): Promise<void> {
  for (let tries = 0; ; tries++) {
    try {
      await docker.ping();
      return;
    } catch (error) {
      if (tries >= 100) throw error;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}

function waitForFile(dir: string, name: string): Promise<void> {
  return new Promise((resolve) => {
    const watcher = watch(dir, (_event, filename) => {
      if (filename === name) {
        watcher.close();
        resolve();
      }
    });
  });
}

export interface TestContainer {
  id: string;
  remove(): Promise<void>;
}

/** Starts a container from the test image (host network, so apt reaches the mirror). */
export async function startTestContainer(docker: Docker, image = testImage): Promise<TestContainer> {
  const container = await docker.createContainer({
    Image: image,
    Cmd: ['sleep', 'infinity'],
    HostConfig: { NetworkMode: 'host' },
    Labels: { 'testyard.test': '1' },
  });
  await container.start();
  return {
    id: container.id,
    remove: async () => {
      await container.remove({ force: true, v: true });
    },
  };
}
