// npm run bench:web — the run pages at scale, in Chromium against the real
// web server: a run with 100,000 results (time to first rows, time to apply
// a status filter), live latency from a stored result to the DOM with 50
// Socket.IO clients watching too, and a 1 GB log (first lines, jump to a
// search match at its end) while the web process's RSS is sampled.
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { io, type Socket } from 'socket.io-client';
import { createDb } from '../lib/server/db/client';
import { createLiveEmitter } from '../lib/server/live/emitter';
import { recordRunEvent } from '../lib/server/runs/events';
import type { SequencedRunEvent } from '../lib/shared/events/catalogue';
import { liveEventNames } from '../lib/shared/rooms';
import { seedResults } from '../tests/app/run-pages-seed';
import { signUpAndConfirm } from '../tests/support/accounts';
import { startApp } from '../tests/support/app-server';
import { launchChromium } from '../tests/support/browser';
import { createTestDatabase } from '../tests/support/test-database';

const resultCount = Number(process.env.BENCH_RESULTS ?? 100_000);
const socketClients = 50;
const liveSamples = 40;
const logBytes = Number(process.env.BENCH_LOG_BYTES ?? 2 ** 30);
const targets = { firstRowsMs: 1500, filterMs: 300, liveP95Ms: 250, logFirstLinesMs: 1000, logSearchMs: 2000 };

const report: string[] = [];
function record(label: string, valueMs: number, targetMs: number) {
  report.push(
    `${label.padEnd(46)} ${String(Math.round(valueMs)).padStart(6)} ms   target ≤ ${targetMs} ms   ratio ${(valueMs / targetMs).toFixed(2)} ${valueMs <= targetMs ? 'ok' : 'MISSED'}`,
  );
  console.log(report.at(-1));
}

const percentile = (values: number[], p: number) =>
  [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor((p / 100) * values.length))]!;

async function webRss(): Promise<number> {
  for (const pid of await readdir('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
    if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) !== process.pid) continue;
    if (!(await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '')).includes('server.ts')) continue;
    return Number(/VmRSS:\s+(\d+)/.exec(await readFile(`/proc/${pid}/status`, 'utf8'))![1]) * 1024;
  }
  return 0;
}

async function writeLog(file: string, bytes: number): Promise<{ size: number; lines: number }> {
  const out = createWriteStream(file);
  const block =
    Array.from(
      { length: 10_000 },
      (_, index) => `${String(index).padStart(6, '0')} \x1b[36minfo\x1b[0m a log line of a plausible length from a test that talks a lot`,
    ).join('\n') + '\n';
  const blockLines = 10_000;
  let size = 0;
  let lines = 0;
  while (size + block.length < bytes) {
    if (!out.write(block)) await once(out, 'drain');
    size += block.length;
    lines += blockLines;
  }
  const last = 'the needle at the end of the log\n';
  out.end(last);
  await once(out, 'finish');
  return { size: size + last.length, lines: lines + 1 };
}

const database = await createTestDatabase();
const work = await mkdtemp(path.join(tmpdir(), 'testyard-bench-web-'));
const db = createDb(database.url);
const live = createLiveEmitter(database.url);
const sockets: Socket[] = [];
let app: Awaited<ReturnType<typeof startApp>> | undefined;
let browser: Awaited<ReturnType<typeof launchChromium>> | undefined;
try {
  const artifactsDir = path.join(work, 'artifacts');
  app = await startApp(database.url, { TESTYARD_ARTIFACTS_DIR: artifactsDir });
  const { cookie, id: userId } = await signUpAndConfirm(app.url, app.dataDir, {
    email: `bench-${Date.now()}@example.com`,
    password: 'correct horse battery',
    name: 'bench',
  });
  const team = await db.team.create({ data: { slug: 'bench', name: 'Bench', memberships: { create: { userId, role: 'owner' } } } });
  const run = await db.run.create({ data: { teamId: team.id, number: 1, plan: '/plans/bench', status: 'running' } });
  const platform = await db.runPlatform.create({ data: { runId: run.id, name: 'bench', spec: {}, status: 'running' } });
  const target = { runId: run.id, runPlatformId: platform.id, teamId: team.id };

  const seeded = Date.now();
  const statuses = (index: number) => (index % 31 === 0 ? 'error' : index % 13 === 0 ? 'fail' : 'pass');
  for (let start = 0; start < resultCount; start += 20_000) {
    await seedResults(
      db,
      target,
      Array.from({ length: Math.min(20_000, resultCount - start) }, (_, offset) => {
        const index = start + offset;
        return {
          name: `/suite-${String(index % 100).padStart(2, '0')}/test-${String(index).padStart(6, '0')}`,
          status: statuses(index),
          note: index % 7 === 0 ? 'a note' : undefined,
        };
      }),
    );
  }
  await db.$executeRawUnsafe('ANALYZE "Result"');
  console.log(`seeded ${resultCount.toLocaleString('en')} results in ${Date.now() - seeded} ms`);

  browser = await launchChromium();
  const context = await browser.newContext({ baseURL: app.url, viewport: { width: 1400, height: 1000 } });
  await context.addCookies(
    cookie.split('; ').map((pair) => ({ name: pair.split('=')[0]!, value: pair.split('=').slice(1).join('='), url: app!.url })),
  );
  const page = await context.newPage();
  const runPath = '/t/bench/runs/1';

  // One visit warms the server's code paths and caches, as any real page view after start-up would.
  await page.goto(runPath);
  await page.waitForSelector('[data-testid=result-row]');
  let started = Date.now();
  await page.goto(runPath);
  await page.waitForSelector('[data-testid=result-row]');
  record(`run page, ${resultCount.toLocaleString('en')} results: first rows`, Date.now() - started, targets.firstRowsMs);

  await page.waitForSelector('[data-testid=live-state]:has-text("live")');
  started = Date.now();
  await page.getByTestId('filter-status-fail').click();
  await page.waitForFunction(() => {
    const rows = [...document.querySelectorAll<HTMLElement>('[data-testid=result-row]')];
    return rows.length > 0 && rows.every((row) => row.dataset.status === 'fail');
  });
  record('status filter applied', Date.now() - started, targets.filterMs);

  // Live latency: results stored and announced as the worker does, new rows sorted first in a filtered view.
  await page.goto(`${runPath}?name=/live/`);
  await page.waitForSelector('[data-testid=live-state]:has-text("live")');
  await page.waitForSelector('[data-testid=results-total]:has-text("0 results")');
  await page.evaluate(() => {
    const seen: Record<string, number> = {};
    (window as unknown as { seenAt: Record<string, number> }).seenAt = seen;
    new MutationObserver(() => {
      for (const row of document.querySelectorAll<HTMLElement>('[data-testid=result-row]')) seen[row.dataset.test!] ??= Date.now();
    }).observe(document.body, { subtree: true, childList: true, attributes: true, attributeFilter: ['data-test'] });
  });
  const socketSeen: number[] = [];
  const socketLatency: number[] = [];
  const storedAt = new Map<string, number>();
  for (let index = 0; index < socketClients; index++) {
    const socket = io(app.url, { transports: ['websocket'], extraHeaders: { cookie } });
    socket.on(liveEventNames.runEvents, (events: SequencedRunEvent[]) => {
      for (const { event } of events) {
        const at = 'test' in event && storedAt.get(event.test);
        if (at) socketLatency.push(Date.now() - at);
      }
    });
    sockets.push(socket);
  }
  await Promise.all(
    sockets.map(async (socket) => {
      if (!socket.connected) await new Promise((resolve) => socket.once('connect', () => resolve(undefined)));
      socketSeen.push(Number(await socket.emitWithAck('subscribe', `run:${run.id}`)));
    }),
  );
  const names: string[] = [];
  for (let index = 0; index < liveSamples; index++) {
    const name = `/live/${String(liveSamples - index).padStart(4, '0')}`;
    names.push(name);
    storedAt.set(name, Date.now());
    await seedResults(db, target, [{ name, status: 'pass' }]);
    await recordRunEvent(
      db,
      run.id,
      { type: 'result.ingested', platform: 'bench', test: name, attempt: 1, status: 'pass', results: 1 },
      live.emitter,
    );
    await new Promise((resolve) => setTimeout(resolve, 150));
  }
  await page.waitForFunction(
    (count) => Object.keys((window as unknown as { seenAt: Record<string, number> }).seenAt).length >= count,
    liveSamples,
    { timeout: 30_000 },
  );
  const seenAt = await page.evaluate(() => (window as unknown as { seenAt: Record<string, number> }).seenAt);
  const domLatency = names.map((name) => seenAt[name]! - storedAt.get(name)!);
  console.log(
    `${socketSeen.filter(Boolean).length} socket clients subscribed; ${socketLatency.length} socket deliveries, p95 ${percentile(socketLatency, 95)} ms`,
  );
  record(`stored → in the DOM (p95 of ${liveSamples}, +${socketClients} sockets)`, percentile(domLatency, 95), targets.liveP95Ms);
  console.log(`  median ${percentile(domLatency, 50)} ms, max ${Math.max(...domLatency)} ms`);
  for (const socket of sockets) socket.close();

  // A 1 GB log, opened cold (its line index is built on first use).
  const logKey = `${run.id}/big/output.txt`;
  await mkdir(path.join(artifactsDir, run.id, 'big'), { recursive: true });
  started = Date.now();
  const log = await writeLog(path.join(artifactsDir, logKey), logBytes);
  console.log(`wrote a ${(log.size / 2 ** 30).toFixed(2)} GB log of ${log.lines.toLocaleString('en')} lines in ${Date.now() - started} ms`);
  await seedResults(db, target, [
    {
      name: '/logs/big',
      status: 'fail',
      files: [{ path: 'output.txt', storageKey: logKey, size: log.size, sha256: randomBytes(32).toString('hex') }],
    },
  ]);

  const rssBefore = await webRss();
  let rssPeak = rssBefore;
  const sampler = setInterval(() => void webRss().then((rss) => (rssPeak = Math.max(rssPeak, rss))), 50);
  started = Date.now();
  await page.goto(`${runPath}/bench/logs/big`);
  await page.waitForSelector('[data-testid=log-viewer] [data-line="1"]:has-text("info a log line")');
  record('1 GB log: first lines', Date.now() - started, targets.logFirstLinesMs);

  started = Date.now();
  await page.getByLabel('search').fill('needle at the end');
  await page.getByRole('button', { name: 'Find' }).click();
  await page.waitForSelector(`[data-testid=log-viewer] [data-line="${log.lines}"]:has-text("needle at the end")`);
  record('1 GB log: jump to a search match at the end', Date.now() - started, targets.logSearchMs);
  clearInterval(sampler);
  const rssGrowth = rssPeak - rssBefore;
  console.log(
    `web RSS ${Math.round(rssBefore / 2 ** 20)} MB before the log, peak ${Math.round(rssPeak / 2 ** 20)} MB (+${Math.round(rssGrowth / 2 ** 20)} MB for a ${Math.round(log.size / 2 ** 20)} MB file: ${rssGrowth < 100 * 2 ** 20 ? 'flat' : 'GROWS'})`,
  );
  console.log(`\n${report.join('\n')}`);
} finally {
  for (const socket of sockets) socket.close();
  await browser?.close();
  await app?.stop();
  await live.close();
  await db.$disconnect();
  await database.drop();
  await rm(work, { recursive: true, force: true });
}
