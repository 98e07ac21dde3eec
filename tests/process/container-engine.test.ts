// How `npm start` picks the container engine on a laptop: a configured one
// as it is, else an answering Podman or Docker socket, else podman's API
// service run by the app itself, else none (and the worker says why).
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { chooseContainerEngine, engineAnswers, untilEngineAnswers, wellKnownSockets } from '../../lib/server/process/container-engine';
import { ensurePodmanConfig, startPodmanService, type PodmanService } from '../support/podman';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'testyard-engine-'));
  await ensurePodmanConfig();
});
afterAll(() => rm(dir, { recursive: true, force: true }));

const noSockets: string[] = [];

test('TESTYARD_DOCKER_HOST, else DOCKER_HOST, is used as it is', async () => {
  expect(
    await chooseContainerEngine(
      path.join(dir, 'podman.sock'),
      { TESTYARD_DOCKER_HOST: 'tcp://engine:2375', DOCKER_HOST: 'unix:///other.sock' },
      noSockets,
    ),
  ).toEqual({
    how: 'configured',
    dockerHost: 'tcp://engine:2375',
  });
  expect(await chooseContainerEngine(path.join(dir, 'podman.sock'), { DOCKER_HOST: 'unix:///other.sock' }, noSockets)).toEqual({
    how: 'configured',
    dockerHost: 'unix:///other.sock',
  });
});

test('the rootful and rootless Podman sockets, then Docker, are where engines are looked for', () => {
  expect(wellKnownSockets({ XDG_RUNTIME_DIR: '/run/user/1000' })).toEqual([
    '/run/podman/podman.sock',
    '/run/user/1000/podman/podman.sock',
    '/var/run/docker.sock',
  ]);
});

test('an answering socket is found; without one and without podman there is none', async () => {
  let service: PodmanService | undefined;
  try {
    service = await startPodmanService();
    const socket = service.dockerHost.slice('unix://'.length);
    expect(
      await chooseContainerEngine(path.join(dir, 'absent.sock'), { PATH: process.env.PATH }, ['/nonexistent/podman.sock', socket]),
    ).toEqual({ how: 'found', dockerHost: service.dockerHost });
  } finally {
    await service?.stop();
  }
  expect(await chooseContainerEngine(path.join(dir, 'absent.sock'), { PATH: dir }, noSockets)).toEqual({ how: 'none' });
});

test("with podman installed and no engine running, podman's API service is started on the app's socket", async () => {
  const socket = path.join(dir, 'podman.sock');
  const engine = await chooseContainerEngine(socket, { PATH: process.env.PATH }, noSockets);
  expect(engine).toMatchObject({ how: 'podman-service', dockerHost: `unix://${socket}` });
  if (engine.how !== 'podman-service') return;
  const service = engine.start();
  try {
    expect(await untilEngineAnswers(engine.dockerHost, 20_000)).toBe(true);
  } finally {
    const exited = once(service, 'exit');
    service.kill('SIGTERM');
    await exited;
  }
  expect(await engineAnswers(engine.dockerHost)).toBe(false);
});
