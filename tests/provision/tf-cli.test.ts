// `testyard tf …` against the fake Testing Farm: human and JSON output, exit
// codes, and `reserve` end to end — a real sshd behind the fake, the shell
// driven through a pseudo-terminal (util-linux `script`), the request
// cancelled when the shell exits or on Ctrl-C.
import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { generateEphemeralKey } from '../../lib/engine/provision/testing-farm/ephemeral-key';
import { startFakeTestingFarm, type FakeTestingFarm } from '../support/fake-testing-farm';

const testyard = path.resolve(import.meta.dirname, '../../bin/testyard');
let farm: FakeTestingFarm;

beforeEach(async () => {
  farm = await startFakeTestingFarm({ provisioningDelayMs: 100 });
});

afterEach(async () => {
  await farm.stop();
});

interface Outcome {
  code: number;
  stdout: string;
  stderr: string;
}

/** Token and URL from the environment, as a user would set them. */
function tf(args: string[], env: Record<string, string | undefined> = {}): Promise<Outcome> {
  return new Promise((resolve) => {
    execFile(
      testyard,
      ['tf', ...args],
      { timeout: 60_000, env: { ...process.env, TESTING_FARM_API_URL: farm.apiUrl, TESTING_FARM_API_TOKEN: farm.token, ...env } },
      (error, stdout, stderr) => resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

describe('testyard tf', () => {
  it('about and whoami, for people and as JSON', async () => {
    const about = await tf(['about']);
    expect(about.code, about.stderr).toBe(0);
    expect(about.stdout).toContain(`Testing Farm at ${farm.apiUrl}`);
    expect(about.stdout).toContain('version: 0.1-fake');
    const whoami = await tf(['whoami', '--json']);
    expect(whoami.code).toBe(0);
    expect(JSON.parse(whoami.stdout)).toMatchObject({ token: { id: 'fake-token', ranch: 'public' }, user: { id: 'fake-user' } });
    expect((await tf(['whoami'])).stdout).toBe('token: fake (fake-token), ranch public\nuser: fake (fake-user)\n');
  });

  it('a refused token, a missing one and an unreachable API exit 2 with one clear line', async () => {
    const refused = await tf(['whoami'], { TESTING_FARM_API_TOKEN: 'wrong' });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/^testyard tf: .*the API token was refused/);
    const missing = await tf(['whoami'], { TESTING_FARM_API_TOKEN: undefined });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/token was refused|needs an API token/);
    const unreachable = await tf(['--url', 'http://127.0.0.1:1', 'about']);
    expect(unreachable.code).toBe(2);
    expect(unreachable.stderr).toMatch(/GET \/about failed/);
    const usage = await tf(['frobnicate']);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain('unknown action "frobnicate"');
    expect((await tf(['search-requests', '--after', 'yesterday'])).stderr).toMatch(/--after must be an ISO 8601 date/);
  });

  it("composes of the token's ranch or a named one; an unknown ranch exits 1", async () => {
    const own = await tf(['composes']);
    expect(own.stdout.trim().split('\n').sort()).toEqual(['CentOS-Stream-9', 'Fedora-41']);
    expect(JSON.parse((await tf(['composes', 'public', '--json'])).stdout)).toEqual(['Fedora-41', 'CentOS-Stream-9']);
    const unknown = await tf(['composes', 'nowhere']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain("Ranch 'nowhere' not found");
  });

  it("search-requests: the token's own live ones by default, --all, time windows, --page and --json; stats counts tokens and repositories", async () => {
    const mine = farm.seedRequest({ state: 'running', created: '2025-06-01T10:00:00.000000', testUrl: 'https://example.com/mine.git' });
    const queued = farm.seedRequest({ state: 'queued', created: '2025-06-01T09:00:00.000000' });
    const theirs = farm.seedRequest({
      state: 'running',
      created: '2025-06-02T10:00:00.000000',
      tokenId: 'other-token',
      userId: 'other-user',
      testUrl: 'https://example.com/theirs.git',
    });
    farm.seedRequest({ state: 'complete', created: '2025-06-01T11:00:00.000000', tokenId: 'other-token', userId: 'other-user' });

    const own = await tf(['search-requests']);
    expect(own.code, own.stderr).toBe(0);
    expect(own.stdout).toBe(
      `2025-06-01T09:00:00 queued   ${queued.id} | test:https://example.com/tests.git | envs:[Fedora-41@x86_64]\n` +
        `2025-06-01T10:00:00 running  ${mine.id} | test:https://example.com/mine.git | envs:[Fedora-41@x86_64]\n`,
    );
    const all = await tf(['search-requests', '--all', '--state', 'running', '--json']);
    expect(
      all.stdout
        .trim()
        .split('\n')
        .map((line) => (JSON.parse(line) as { id: string }).id),
    ).toEqual([mine.id, theirs.id]);
    const windowed = await tf(['search-requests', '--all', '--state', 'running', '--after', '2025-06-02', '--json']);
    expect(
      windowed.stdout
        .trim()
        .split('\n')
        .map((line) => (JSON.parse(line) as { id: string }).id),
    ).toEqual([theirs.id]);
    const paged = await tf([
      'search-requests',
      '--all',
      '--state',
      'running',
      '--after',
      '2025-06-01',
      '--before',
      '2025-06-03',
      '--page',
      '3600',
      '--json',
    ]);
    expect(
      paged.stdout
        .trim()
        .split('\n')
        .map((line) => (JSON.parse(line) as { id: string }).id),
    ).toEqual([mine.id, theirs.id]);
    // 48 one-hour windows, each its own search
    expect(farm.calls.filter((call) => call.path === '/v0.1/requests' && call.method === 'GET').length).toBeGreaterThanOrEqual(48);
    expect((await tf(['search-requests', '--page', '60'])).stderr).toContain('--page needs --after');

    const stats = await tf(['stats', 'public', 'running,complete', '--json']);
    expect(JSON.parse(stats.stdout)).toEqual({
      tokens: [
        { id: 'other-token', count: 2 },
        { id: 'fake-token', count: 1 },
      ],
      repos: [
        { url: 'https://example.com/mine.git', count: 1 },
        { url: 'https://example.com/tests.git', count: 1 },
        { url: 'https://example.com/theirs.git', count: 1 },
      ],
    });
    expect((await tf(['stats', 'public', 'running'])).stdout).toContain(
      'Top 10 token IDs:\n1  fake-token\n1  other-token\nTop 10 repository URLs:\n',
    );
  });

  it('get-request and cancel: IDs, --mine, an unknown request exits 1', async () => {
    const live = farm.seedRequest({ state: 'queued', created: '2025-06-01T09:00:00.000000' });
    const other = farm.seedRequest({
      state: 'running',
      created: '2025-06-01T09:00:00.000000',
      tokenId: 'other-token',
      userId: 'other-user',
    });
    const shown = await tf(['get-request', live.id]);
    expect(shown.stdout).toContain(`queued   ${live.id}`);
    expect(JSON.parse((await tf(['get-request', live.id, '--json'])).stdout)).toMatchObject({
      id: live.id,
      state: 'queued',
      token_id: 'fake-token',
    });
    const missing = await tf(['get-request', '00000000-0000-0000-0000-000000000000']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('no such request');

    const mine = await tf(['cancel', '--mine']);
    expect(mine.code, mine.stderr).toBe(0);
    expect(mine.stdout).toBe(`${live.id}: cancelled\n`);
    expect(farm.requests.get(live.id)?.state).toBe('canceled');
    expect(farm.requests.get(other.id)?.state).toBe('running');
    const again = await tf(['cancel', live.id, '00000000-0000-0000-0000-000000000000', '--json']);
    expect(again.code).toBe(1);
    expect(JSON.parse(again.stdout)).toEqual([
      { id: live.id, outcome: 'finished' },
      { id: '00000000-0000-0000-0000-000000000000', outcome: 'not-found' },
    ]);
    expect((await tf(['cancel'])).stderr).toContain('give one or more request IDs, or --mine');
  });

  it('watch-pipeline follows the log until the request ends, and exits by its result', async () => {
    const submitted = await fetch(`${farm.apiUrl}/v0.1/requests`, {
      method: 'POST',
      headers: { authorization: `Bearer ${farm.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        test: { fmf: { url: 'https://example.com/t.git' } },
        environments: [{ arch: 'x86_64', os: { compose: 'Fedora-41' } }],
      }),
    });
    const { id } = (await submitted.json()) as { id: string };
    const watching = tf(['watch-pipeline', id]);
    await waitFor(() => farm.requests.get(id)?.state === 'running' && farm.requests.get(id)!.pipelineLog.includes('Guest is ready'));
    await new Promise((resolve) => setTimeout(resolve, 1500));
    farm.finishRequest(id, 'failed');
    const watched = await watching;
    expect(watched.code).toBe(1);
    expect(watched.stdout).toMatch(
      /pipeline started\n.*Guest is ready: ArtemisGuest\(.*\n.*starting tests execution\n.*pipeline finished: failed\nrequest .* ended: complete, failed\n$/,
    );
  });
});

describe('testyard tf reserve', () => {
  /** The CLI on a pseudo-terminal, as a person runs it: `script` gives it one and relays our keys. */
  function reserveOnTerminal(args: string[]) {
    // exec: no shell stays in the terminal's process group to die of the Ctrl-C the test types
    const command = `exec ${[testyard, 'tf', 'reserve', ...args].map((word) => `'${word}'`).join(' ')}`;
    const child = spawn('script', ['-qfec', command, '/dev/null'], {
      env: { ...process.env, TESTING_FARM_API_URL: farm.apiUrl, TESTING_FARM_API_TOKEN: farm.token, TERM: 'dumb' },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let screen = '';
    child.stdout.on('data', (chunk: Buffer) => (screen += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (screen += chunk.toString()));
    return {
      child,
      screen: () => screen,
      type: (keys: string) => child.stdin.write(keys),
      exited: once(child, 'exit').then(([code]) => code as number),
    };
  }

  it('reserves a system, opens a shell on it, and cancels the request when the shell exits', async () => {
    const session = reserveOnTerminal(['--compose', 'Fedora-41', '--timeout', '30']);
    await waitFor(
      () => session.screen().includes('system ready'),
      60_000,
      () => session.screen(),
    );
    const [request] = [...farm.requests.values()];
    expect(request?.state).toBe('running');
    expect(request?.body.environments?.[0]).toMatchObject({ arch: 'x86_64', os: { compose: 'Fedora-41' } });
    session.type('echo "on the $(tty | cut -c1-8) of $(whoami): $((6 * 7))"\r');
    await waitFor(
      () => session.screen().includes('on the /dev/pts of root: 42'),
      30_000,
      () => session.screen(),
    );
    session.type('exit 3\r');
    expect(await session.exited).toBe(1);
    expect(session.screen()).toContain('shell ended (3); cancelling request');
    expect(request?.state).toBe('canceled');
    expect(farm.runningSystems()).toBe(0);
  });

  it('Ctrl-C while waiting for the system cancels the request; --ssh-key reserves for the given key', async () => {
    farm.setProvisioningDelay(60_000);
    const dir = await mkdtemp(path.join(tmpdir(), 'testyard-tf-key-'));
    const key = generateEphemeralKey('mine');
    await writeFile(path.join(dir, 'id_ed25519'), key.privateKey, { mode: 0o600 });
    const session = reserveOnTerminal(['--compose', 'Fedora-41', '--ssh-key', path.join(dir, 'id_ed25519')]);
    await waitFor(
      () => session.screen().includes('submitted'),
      30_000,
      () => session.screen(),
    );
    const [request] = [...farm.requests.values()];
    const authorized = Buffer.from(request!.body.environments![0]!.secrets!.TF_RESERVATION_AUTHORIZED_KEYS_BASE64!, 'base64').toString();
    expect(authorized).toBe(`${key.publicKey.split(' ').slice(0, 2).join(' ')} testyard\n`);
    session.type('\x03');
    expect(await session.exited).toBe(1);
    expect(session.screen()).toContain('interrupted; cancelling request');
    expect(request?.state).toBe('canceled');
  });
});

async function waitFor(condition: () => boolean, timeoutMs = 30_000, describe?: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out${describe ? `; screen:\n${describe()}` : ''}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
