// npm run bench:output — live test output at load, through the real worker
// and web server: one test prints a timestamped line every 100 ms while
// another on the same worker writes as fast as it can up to ~50 MB/s; 50
// Socket.IO viewers follow the first test's output and one Chromium page
// shows it. Prints printed line → received (sockets) and → on screen
// (browser) latency, how responsive the page stayed, the flood's rate, and
// what output cost the database: NOTIFYs and attachment-table writes.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { io, type Socket } from 'socket.io-client';
import { outputEventNames, type TestOutputChunk } from '../lib/shared/events/output';
import { attachmentsTable } from '../lib/server/live/emitter';
import { rooms } from '../lib/shared/rooms';
import { signUpAndConfirm } from '../tests/support/accounts';
import { startApp } from '../tests/support/app-server';
import { launchChromium } from '../tests/support/browser';
import { createTestDatabase } from '../tests/support/test-database';
import { ignoreCleanupFailure } from '../lib/shared/errors';

const viewers = 50;
const seconds = Number(process.env.BENCH_SECONDS ?? 20);
const targets = { latencyP95Ms: 500 };
const percentile = (values: number[], p: number) =>
  [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor((p / 100) * values.length))] ?? NaN;

async function writeSuite(root: string): Promise<void> {
  await mkdir(path.join(root, '.fmf'), { recursive: true });
  await writeFile(path.join(root, '.fmf', 'version'), '1\n');
  const ticks = seconds * 10;
  const suite = {
    '/plans/bench': { discover: { how: 'fmf' }, execute: { how: 'tmt' } },
    '/tests/ticker': { test: `for i in $(seq 1 ${ticks}); do echo "tick $i $(date +%s%3N)"; sleep 0.1; done`, duration: '10m' },
    // 5 MB of text every 100 ms at most: ~50 MB/s when the machine keeps up
    '/tests/flood': {
      test: `blob=$(mktemp); awk 'BEGIN { for (i = 0; i < 100000; i++) print "flood line 0123456789 abcdefghijklmnopqrstuvwxyz" }' > "$blob"; end=$((SECONDS + ${seconds})); while [ $SECONDS -lt $end ]; do cat "$blob"; sleep 0.1; done; rm -f "$blob"`,
      duration: '10m',
    },
  };
  await writeFile(path.join(root, 'main.fmf'), JSON.stringify(suite));
}

const database = await createTestDatabase();
const work = await mkdtemp(path.join(tmpdir(), 'testyard-bench-output-'));
const sockets: Socket[] = [];
const listener = new pg.Client({ connectionString: database.url });
let app: Awaited<ReturnType<typeof startApp>> | undefined;
let browser: Awaited<ReturnType<typeof launchChromium>> | undefined;
try {
  await writeSuite(path.join(work, 'suite'));
  app = await startApp(database.url, { TESTYARD_ENABLE_LOCAL: '1', TESTYARD_LOCAL_REPO_ROOTS: work });
  const base = app.url;
  const { cookie } = await signUpAndConfirm(base, app.dataDir, {
    email: `bench-${Date.now()}@example.com`,
    password: 'correct horse battery',
    name: 'bench',
  });
  const call = async <T>(method: string, route: string, body?: unknown): Promise<T> => {
    const response = await fetch(`${base}${route}`, {
      method,
      headers: { cookie, origin: base, ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    if (!response.ok) throw new Error(`${method} ${route}: ${response.status} ${await response.text()}`);
    return (await response.json()) as T;
  };
  const team = await call<{ slug: string }>('POST', '/api/v1/teams', { name: 'Bench output' });
  const teamApi = `/api/v1/teams/${team.slug}`;
  const platform = await call<{ id: string }>('POST', `${teamApi}/platforms`, { name: 'here', config: { kind: 'local' }, maxRemotes: 2 });
  const repo = await call<{ id: string }>('POST', `${teamApi}/repos`, { name: 'bench', path: path.join(work, 'suite') });

  // Every NOTIFY the Socket.IO adapter channel carries while the tests run, and the attachment table's growth.
  await listener.connect();
  let notifications = 0;
  listener.on('notification', () => notifications++);
  await listener.query(`LISTEN "socket.io#/"`);
  const attachmentsBefore = Number((await listener.query(`SELECT COALESCE(MAX(id), 0) AS id FROM ${attachmentsTable}`)).rows[0].id);

  const run = await call<{ id: string; number: number }>('POST', `${teamApi}/runs`, {
    repoId: repo.id,
    plan: '/plans/bench',
    platforms: [platform.id],
    reruns: 0,
  });
  const startedAt = Date.now();
  const runApi = `${teamApi}/runs/${run.number}`;
  for (;;) {
    const attempts = await fetch(`${base}${runApi}/attempts?platform=here&test=/tests/ticker`, { headers: { cookie } });
    if (attempts.ok) break;
    if (Date.now() - startedAt > 60_000) throw new Error('the ticker did not start within a minute');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }

  // 50 viewers on the ticker's own output room.
  const socketLatency: number[] = [];
  const room = rooms.attemptOutput(run.id, { platform: 'here', test: '/tests/ticker', attempt: 1 });
  for (let index = 0; index < viewers; index++) {
    const socket = io(base, { transports: ['websocket'], extraHeaders: { cookie, origin: base } });
    socket.on(outputEventNames.chunk, (chunk: TestOutputChunk) => {
      const now = Date.now();
      for (const match of chunk.text.matchAll(/tick \d+ (\d{13})/g)) socketLatency.push(now - Number(match[1]));
    });
    sockets.push(socket);
  }
  const joined = await Promise.all(
    sockets.map(async (socket) => {
      if (!socket.connected) await new Promise((resolve) => socket.once('connect', () => resolve(undefined)));
      return Boolean(await socket.emitWithAck('subscribe', room));
    }),
  );

  // One browser on the ticker's result page: when each line shows, and how quickly the page answers meanwhile.
  browser = await launchChromium();
  const context = await browser.newContext({ baseURL: base, viewport: { width: 1400, height: 1000 } });
  await context.addCookies(
    cookie.split('; ').map((pair) => ({ name: pair.split('=')[0]!, value: pair.split('=').slice(1).join('='), url: base })),
  );
  const page = await context.newPage();
  await page.goto(`/t/${team.slug}/runs/${run.number}/here/tests/ticker`);
  await page.waitForSelector('[data-testid=live-output-state]:has-text("following its output live")');
  await page.evaluate(() => {
    const seen: Record<string, number> = {};
    Object.assign(window, { seen, since: Date.now() });
    new MutationObserver(() => {
      for (const match of (document.querySelector('[data-testid=log-viewer]')?.textContent ?? '').matchAll(/tick (\d+) (\d{13})/g))
        seen[match[2]!] ??= Date.now();
    }).observe(document.body, { subtree: true, childList: true, characterData: true });
  });
  const answers: number[] = [];
  while (Date.now() - startedAt < seconds * 1000) {
    const asked = Date.now();
    await page.evaluate(() => document.querySelectorAll('[data-line]').length);
    answers.push(Date.now() - asked);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  const { seen, since } = await page.evaluate(() => {
    const watched = window as unknown as { seen: Record<string, number>; since: number };
    return { seen: watched.seen, since: watched.since };
  });
  const screenLatency = Object.entries(seen)
    .filter(([printed]) => Number(printed) >= since)
    .map(([printed, shown]) => shown - Number(printed));

  for (;;) {
    const details = await call<{ status: string; platforms: { status: string }[] }>('GET', runApi);
    if (!['queued', 'running'].includes(details.status)) break;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  const elapsed = (Date.now() - startedAt) / 1000;
  const flood = (
    await call<{ attempts: { exception: string | null; exitCode: number | null; files: { path: string; size: number }[] }[] }>(
      'GET',
      `${runApi}/attempts?platform=here&test=/tests/flood`,
    )
  ).attempts.at(-1)!;
  const floodBytes = flood.files.find((file) => file.path === 'files/output.txt')?.size ?? 0;
  if (!floodBytes)
    console.log(
      `the flood test wrote no output: exit code ${flood.exitCode}, ${flood.exception ?? 'no exception'}; files ${JSON.stringify(flood.files)}`,
    );
  const attachments =
    Number((await listener.query(`SELECT COALESCE(MAX(id), 0) AS id FROM ${attachmentsTable}`)).rows[0].id) - attachmentsBefore;

  console.log(
    `${joined.filter(Boolean).length}/${viewers} viewers subscribed; flood wrote ${(floodBytes / 2 ** 20).toFixed(0)} MiB in ~${seconds} s = ${(floodBytes / 2 ** 20 / seconds).toFixed(1)} MiB/s`,
  );
  const line = (label: string, values: number[]) =>
    console.log(
      `${label.padEnd(44)} p50 ${percentile(values, 50)} ms, p95 ${percentile(values, 95)} ms, max ${Math.max(...values)} ms (${values.length} samples)   target p95 ≤ ${targets.latencyP95Ms} ms: ${percentile(values, 95) <= targets.latencyP95Ms ? 'met' : 'MISSED'}`,
    );
  line('printed → received by 50 viewers', socketLatency);
  line('printed → on screen (Chromium)', screenLatency);
  console.log(
    `page answered in p50 ${percentile(answers, 50)} ms, p95 ${percentile(answers, 95)} ms, max ${Math.max(...answers)} ms during the flood`,
  );
  console.log(
    `database: ${notifications} NOTIFYs on the Socket.IO channel in ${elapsed.toFixed(0)} s (${(notifications / elapsed).toFixed(1)}/s for the whole run, events included), ${attachments} attachment-table writes`,
  );
} finally {
  for (const socket of sockets) socket.close();
  await listener.end().catch(ignoreCleanupFailure);
  await browser?.close();
  await app?.stop();
  await database.drop();
  await rm(work, { recursive: true, force: true });
}
