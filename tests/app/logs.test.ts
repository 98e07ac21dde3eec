// Stored files through the API on a real web process: HTTP ranges, lines by
// number through the lazily built line index, streaming search, sandboxing
// headers, and flat memory while a multi-hundred-MB log is read and searched.
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import { createDb, type Db } from '../../lib/server/db/client';
import { ansiToSpans } from '../../lib/shared/ansi';
import { LineIndex } from '../../lib/server/logs/line-index';
import { searchLog } from '../../lib/server/logs/log-file';
import { startApp, type RunningApp } from '../support/app-server';
import { api, teamWithAllRoles } from '../support/api';
import { fixtureTreeCopy } from '../support/fixture-trees';
import { seedResults } from './run-pages-seed';

const bigLines = 3_000_000;
let db: Db;
let app: RunningApp;
let artifactsDir: string;
let team: Awaited<ReturnType<typeof teamWithAllRoles>>;
let filesApi: string;
const fileIds: Record<string, string> = {};

/** Line i of the big log; every 100,000th has a marker, the last one a unique needle. */
function bigLine(index: number): string {
  if (index === bigLines - 1) return 'the needle at the very end';
  const marker = index % 100_000 === 0 ? ' MARK' : '';
  return `${String(index).padStart(8, '0')} \x1b[32mok\x1b[0m some log text of a typical length for a test run's output${marker}`;
}

async function writeBigLog(file: string): Promise<number> {
  const out = createWriteStream(file);
  let size = 0;
  for (let start = 0; start < bigLines; start += 10_000) {
    let block = '';
    for (let index = start; index < Math.min(bigLines, start + 10_000); index++) block += `${bigLine(index)}\n`;
    size += Buffer.byteLength(block);
    if (!out.write(block)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
  return size;
}

/** The web process started by startApp (a child of this one running server.ts). */
async function webProcessPid(): Promise<string> {
  for (const pid of await readdir('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
    const parent = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    if (parent !== process.pid) continue;
    const command = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
    if (command.includes('server.ts')) return pid;
  }
  throw new Error('web process not found');
}

async function rssOf(pid: string): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)![1]) * 1024;
}

const viewer = () => ({ authorization: `Bearer ${team.members.viewer.token}` });
const get = (url: string, headers: Record<string, string> = {}) => fetch(`${app.url}${url}`, { headers: { ...viewer(), ...headers } });
const getJson = async <T>(url: string) => {
  const response = await get(url);
  expect(response.status, url).toBe(200);
  return (await response.json()) as T;
};

beforeAll(async () => {
  db = createDb(inject('databaseUrl'));
  artifactsDir = await mkdtemp(path.join(tmpdir(), 'testyard-logs-test-'));
  team = await teamWithAllRoles();
  const owner = { token: team.members.owner.token };
  const platform = await api('POST', `/api/v1/teams/${team.team.slug}/platforms`, owner, {
    name: 'box',
    config: { kind: 'container', image: 'debian:12' },
  });
  const repo = await api('POST', `/api/v1/teams/${team.team.slug}/repos`, owner, {
    name: 'logs',
    path: await fixtureTreeCopy('run-pages'),
  });
  const run = await api('POST', `/api/v1/teams/${team.team.slug}/runs`, owner, {
    repoId: repo.body.id,
    plan: '/plans/all',
    platforms: [platform.body.id],
  });
  await api('POST', `/api/v1/teams/${team.team.slug}/runs/${run.body.number}/cancel`, owner);

  const prefix = `${run.body.id}/seeded`;
  await mkdir(path.join(artifactsDir, prefix), { recursive: true });
  const store = async (name: string, content: string | null) => {
    const target = path.join(artifactsDir, prefix, name);
    const size = content === null ? await writeBigLog(target) : (await writeFile(target, content), Buffer.byteLength(content));
    return { path: name, storageKey: `${prefix}/${name}`, size, sha256: randomBytes(32).toString('hex') };
  };
  const files = await Promise.all([
    store('big.log', null),
    store('small.txt', 'one\ntwo\nthree'),
    store('report.html', '<script>alert(1)</script><p>report</p>'),
    store('empty.txt', ''),
  ]);
  await seedResults(db, { runId: run.body.id, runPlatformId: run.body.platforms[0].id, teamId: team.team.id }, [
    { name: '/tests/logs', status: 'fail', files },
  ]);
  const attempts = await api(
    'GET',
    `/api/v1/teams/${team.team.slug}/runs/${run.body.number}/attempts?platform=box&test=/tests/logs`,
    owner,
  );
  for (const file of attempts.body.attempts[0].files as { id: string; path: string }[]) fileIds[file.path.replace('files/', '')] = file.id;
  filesApi = `/api/v1/teams/${team.team.slug}/runs/${run.body.number}/files`;
  app = await startApp(inject('databaseUrl'), { TESTYARD_ARTIFACTS_DIR: artifactsDir });
}, 180_000);

afterAll(async () => {
  await app?.stop();
  await db?.$disconnect();
  await rm(artifactsDir, { recursive: true, force: true });
});

describe('ranges and headers', () => {
  test('whole files, byte ranges, suffix ranges and unsatisfiable ranges', async () => {
    const whole = await get(`${filesApi}/${fileIds['small.txt']}`);
    expect([whole.status, await whole.text(), whole.headers.get('accept-ranges')]).toEqual([200, 'one\ntwo\nthree', 'bytes']);
    const part = await get(`${filesApi}/${fileIds['small.txt']}`, { range: 'bytes=4-6' });
    expect([part.status, await part.text(), part.headers.get('content-range')]).toEqual([206, 'two', 'bytes 4-6/13']);
    const suffix = await get(`${filesApi}/${fileIds['small.txt']}`, { range: 'bytes=-5' });
    expect(await suffix.text()).toBe('three');
    const past = await get(`${filesApi}/${fileIds['small.txt']}`, { range: 'bytes=100-' });
    expect([past.status, past.headers.get('content-range')]).toEqual([416, 'bytes */13']);
    const bigTail = await get(`${filesApi}/${fileIds['big.log']}`, { range: 'bytes=-27' });
    expect(await bigTail.text()).toBe('the needle at the very end\n');
    const empty = await get(`${filesApi}/${fileIds['empty.txt']}`);
    expect([empty.status, await empty.text()]).toEqual([200, '']);
  });

  test("HTML reports come sandboxed; downloads are attachments; other runs' files are 404", async () => {
    const html = await get(`${filesApi}/${fileIds['report.html']}`);
    expect(html.headers.get('content-security-policy')).toMatch(/^sandbox;.*default-src 'none'/);
    expect(html.headers.get('x-content-type-options')).toBe('nosniff');
    expect(html.headers.get('content-disposition')).toMatch(/^inline/);
    const download = await get(`${filesApi}/${fileIds['report.html']}?download=1`);
    expect(download.headers.get('content-disposition')).toBe("attachment; filename*=UTF-8''report.html");
    expect((await get(`${filesApi}/not-a-file`)).status).toBe(404);
    const outsider = await fetch(`${app.url}${filesApi}/${fileIds['small.txt']}`, {
      headers: { authorization: `Bearer ${(await teamWithAllRoles()).members.owner.token}` },
    });
    expect(outsider.status).toBe(404);
  });
});

describe('lines and search on a multi-hundred-MB log', () => {
  test('lines by number anywhere, the count, and search results with line numbers; web memory stays flat', async () => {
    const web = await webProcessPid();
    const before = await rssOf(web);
    let peak = before;
    // A sample that fails (the read raced something) is simply skipped; the web process is checked by the requests themselves.
    const sampler = setInterval(
      () =>
        void rssOf(web).then(
          (rss) => (peak = Math.max(peak, rss)),
          () => {},
        ),
      50,
    );
    try {
      const firstStarted = Date.now();
      const first = await getJson<{ lines: string[]; totalLines: number | null }>(`${filesApi}/${fileIds['big.log']}/lines?from=0&count=3`);
      const firstMs = Date.now() - firstStarted;
      expect(first.lines).toEqual([0, 1, 2].map(bigLine));

      const counted = await getJson<{ totalLines: number }>(`${filesApi}/${fileIds['big.log']}/lines?count=0&wait=1`);
      expect(counted.totalLines).toBe(bigLines);
      for (const from of [1023, 1024, 1025, 1_234_567, bigLines - 2]) {
        const page = await getJson<{ lines: string[] }>(`${filesApi}/${fileIds['big.log']}/lines?from=${from}&count=5`);
        expect(page.lines, `from ${from}`).toEqual(
          [0, 1, 2, 3, 4]
            .map((offset) => from + offset)
            .filter((index) => index < bigLines)
            .map(bigLine),
        );
      }
      expect((await getJson<{ lines: string[] }>(`${filesApi}/${fileIds['big.log']}/lines?from=${bigLines + 5}&count=5`)).lines).toEqual(
        [],
      );

      const searchStarted = Date.now();
      const needle = await getJson<{ matches: { line: number; text: string }[]; nextLine: number | null }>(
        `${filesApi}/${fileIds['big.log']}/search?q=needle`,
      );
      const searchMs = Date.now() - searchStarted;
      expect(needle).toEqual({ matches: [{ line: bigLines - 1, text: 'the needle at the very end' }], nextLine: null });

      const marks = await getJson<{ matches: { line: number }[]; nextLine: number | null }>(
        `${filesApi}/${fileIds['big.log']}/search?q=MARK&limit=7`,
      );
      expect(marks.matches.map((match) => match.line)).toEqual([0, 1, 2, 3, 4, 5, 6].map((index) => index * 100_000));
      const more = await getJson<{ matches: { line: number }[]; nextLine: number | null }>(
        `${filesApi}/${fileIds['big.log']}/search?q=MARK&from=${marks.nextLine}&limit=100`,
      );
      expect(more.matches.map((match) => match.line)).toEqual(Array.from({ length: 23 }, (_, index) => (index + 7) * 100_000));
      expect(more.nextLine).toBeNull();
      const folded = await getJson<{ matches: { line: number }[] }>(
        `${filesApi}/${fileIds['big.log']}/search?q=mArK&case=insensitive&limit=30`,
      );
      expect(folded.matches.map((match) => match.line)).toEqual(Array.from({ length: 30 }, (_, index) => index * 100_000));
      console.log(
        `logs: first lines ${firstMs} ms, search to the end ${searchMs} ms, web RSS ${Math.round(before / 2 ** 20)} → peak ${Math.round(peak / 2 ** 20)} MB`,
      );
    } finally {
      clearInterval(sampler);
    }
    // The file is ~330 MB: reading it whole would show.
    expect(peak - before).toBeLessThan(120 * 2 ** 20);
  }, 120_000);

  test('small files: last line without a newline, empty files, bad queries', async () => {
    expect(await getJson(`${filesApi}/${fileIds['small.txt']}/lines?count=0&wait=1`)).toMatchObject({ totalLines: 3 });
    expect((await getJson<{ lines: string[] }>(`${filesApi}/${fileIds['small.txt']}/lines?from=1&count=9`)).lines).toEqual([
      'two',
      'three',
    ]);
    expect(await getJson(`${filesApi}/${fileIds['empty.txt']}/lines?count=10&wait=1`)).toMatchObject({ lines: [], totalLines: 0 });
    expect((await getJson<{ matches: unknown[] }>(`${filesApi}/${fileIds['small.txt']}/search?q=t`)).matches).toEqual([
      { line: 1, text: 'two' },
      { line: 2, text: 'three' },
    ]);
    expect((await getJson<{ matches: unknown[] }>(`${filesApi}/${fileIds['small.txt']}/search?q=T`)).matches).toEqual([]);
    expect((await getJson<{ matches: unknown[] }>(`${filesApi}/${fileIds['small.txt']}/search?q=T&case=insensitive`)).matches).toEqual([
      { line: 1, text: 'two' },
      { line: 2, text: 'three' },
    ]);
    expect((await get(`${filesApi}/${fileIds['small.txt']}/search?q=t&case=loose`)).status).toBe(400);
    expect((await get(`${filesApi}/${fileIds['small.txt']}/search?q=`)).status).toBe(400);
    expect((await get(`${filesApi}/${fileIds['small.txt']}/lines?from=-1`)).status).toBe(400);
  });
});

test('case-insensitive search folds ASCII letters only; regular-expression characters and UTF-8 are matched as they are', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'testyard-search-'));
  const file = path.join(dir, 'log.txt');
  const text = ['Error: a.b(c)?', 'error: axb(c)?', 'CAFÉ Übel', 'café übel', '[x] $1 ^end\\', 'ERROR again'].join('\n') + '\n';
  await writeFile(file, text);
  const size = Buffer.byteLength(text);
  const log = { path: file, size, index: LineIndex.build(file, size) };
  const lines = async (query: string, ignoreCase = true) =>
    (await searchLog(log, query, 0, 100, { ignoreCase })).matches.map((match) => match.line);
  expect(await lines('error')).toEqual([0, 1, 5]);
  expect(await lines('error', false)).toEqual([1]);
  expect(await lines('A.B(C)?')).toEqual([0]);
  expect(await lines('café')).toEqual([3]);
  expect(await lines('CAFÉ')).toEqual([2]);
  expect(await lines('übel')).toEqual([3]);
  expect(await lines('[X] $1 ^END\\')).toEqual([4]);
});

test('ANSI colours become spans; other escape sequences are dropped', () => {
  expect(ansiToSpans('\x1b[1;31mred\x1b[0m plain \x1b[38;5;46mgreen\x1b[2K\x1b]0;title\x07')).toEqual([
    { text: 'red', fg: '#cd3131', bold: true },
    { text: ' plain ' },
    { text: 'green', fg: 'rgb(0, 255, 0)' },
  ]);
});
