// Run events and the Postgres aggregator against the real database: the
// sequence numbers several workers hand out, and what re-ingesting does.
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import { FolderArtifactStore } from '../../lib/server/artifacts/store';
import { createDb, type Db } from '../../lib/server/db/client';
import type { RunEvent, SequencedRunEvent } from '../../lib/shared/events/catalogue';
import { liveEventNames } from '../../lib/shared/rooms';
import { maxBareMessageBytes } from '../../lib/server/live/emitter';
import type { AttemptOutcome } from '../../lib/engine/orchestrator/types';
import { PostgresAggregator, RunPlatformLostError, type IngestSummary } from '../../worker/aggregator';
import { RunEventRecorder } from '../../worker/event-recorder';
import { readRunEvents, recordRunEvent, recordRunEvents } from '../../lib/server/runs/events';
import { prepareResume, workerLostReason } from '../../worker/resume';
import { SystemHealthRecorder } from '../../worker/system-health';
import { platformSnapshot } from '../../lib/server/runs/settings';

let workers: Db[];
let db: Db;
let unique = 0;

beforeAll(() => {
  workers = Array.from({ length: 4 }, () => createDb(inject('databaseUrl')));
  db = workers[0]!;
});
afterAll(async () => {
  await Promise.all(workers.map((client) => client.$disconnect()));
});

async function newRun() {
  const team = await db.team.create({ data: { slug: `persist-${Date.now()}-${unique++}`, name: 'persistence' } });
  const run = await db.run.create({ data: { teamId: team.id, number: 1, plan: '/plans/x' } });
  const runPlatform = await db.runPlatform.create({ data: { runId: run.id, name: 'p1', spec: {} } });
  return { teamId: team.id, runId: run.id, runPlatformId: runPlatform.id };
}

describe('run events', () => {
  test('events stored together reach the run room together: in order, in as few messages as fit a bare NOTIFY', async () => {
    const { runId } = await newRun();
    const sent: { room: string; event: string; items: SequencedRunEvent[] }[] = [];
    const live = { to: (room: string) => ({ emit: (event: string, items: SequencedRunEvent[]) => sent.push({ room, event, items }) }) };
    // 60 events of about 500 bytes each: too many for one message, and each fits.
    const recorded = Array.from({ length: 60 }, (_, index): RunEvent => ({
      type: 'remote.setup-failed',
      platform: 'p1',
      remote: `r${index}`,
      error: 'x'.repeat(450),
    }));
    const stored = await recordRunEvents(db, runId, recorded, live);
    const messages = sent.filter((message) => message.room === `run:${runId}`);
    expect(messages.every((message) => message.event === liveEventNames.runEvents)).toBe(true);
    expect(messages.flatMap((message) => message.items)).toEqual(stored);
    expect(messages.length).toBeGreaterThan(1);
    expect(messages.length).toBeLessThan(10);
    for (const message of messages) expect(Buffer.byteLength(JSON.stringify(message.items))).toBeLessThanOrEqual(maxBareMessageBytes);

    // A few small events: one message.
    sent.length = 0;
    await recordRunEvents(
      db,
      runId,
      recorded.slice(0, 3).map((event) => ({ ...event, error: 'short' })),
      live,
    );
    expect(sent.filter((message) => message.room === `run:${runId}`).map((message) => message.items.length)).toEqual([3]);
  });

  test('sequence numbers are gap-free and unique with many writers on separate connections', async () => {
    const { runId } = await newRun();
    const writers = 24;
    const perWriter = 15;
    await Promise.all(
      Array.from({ length: writers }, async (_, writer) => {
        const client = workers[writer % workers.length]!;
        for (let index = 0; index < perWriter; index++) {
          const event = { type: 'remote.requested', platform: `w${writer}`, count: index } as const;
          if (index % 3 === 0) await recordRunEvents(client, runId, [event, { ...event, count: -index - 1 }]);
          else await recordRunEvent(client, runId, event);
        }
      }),
    );
    const events = await readRunEvents(db, runId);
    const expected = writers * (perWriter + Math.ceil(perWriter / 3));
    expect(events.map((event) => event.seq)).toEqual(Array.from({ length: expected }, (_, index) => index + 1));
    expect((await db.run.findUniqueOrThrow({ where: { id: runId } })).eventSeq).toBe(expected);
    // Each writer's own events keep their order.
    const ofWriter = events.filter((event) => event.event.type === 'remote.requested' && event.event.platform === 'w3');
    expect(ofWriter.map((event) => (event.event as { count: number }).count).filter((count) => count >= 0)).toEqual(
      Array.from({ length: perWriter }, (_, index) => index),
    );
    expect((await readRunEvents(db, runId, expected - 5)).map((event) => event.seq)).toEqual([
      expected - 4,
      expected - 3,
      expected - 2,
      expected - 1,
      expected,
    ]);
  });

  test('the recorder stores events recorded while a write is in flight, in the order they were recorded', async () => {
    const { runId } = await newRun();
    const recorder = new RunEventRecorder(db, runId, undefined, (error) => {
      throw error;
    });
    const recorded: RunEvent[] = [];
    for (let index = 0; index < 100; index++) {
      const event: RunEvent = { type: 'test.started', platform: 'p1', remote: 'r', test: `/t${index}`, attempt: 1 };
      recorded.push(event);
      recorder.record(event);
    }
    await recorder.flush();
    const stored = await readRunEvents(db, runId);
    expect(stored.map((event) => event.event)).toEqual(recorded);
    expect(stored.map((event) => event.seq)).toEqual(recorded.map((_, index) => index + 1));
  });
});

describe('Postgres aggregator', () => {
  async function attemptDir(results: object[], files: Record<string, string>): Promise<string> {
    const dir = await mkdtemp(path.join(tmpdir(), 'testyard-attempt-'));
    await writeFile(path.join(dir, 'results'), results.map((line) => JSON.stringify(line)).join('\n') + '\n');
    await mkdir(path.join(dir, 'files'));
    for (const [name, body] of Object.entries(files)) {
      await mkdir(path.dirname(path.join(dir, 'files', name)), { recursive: true });
      await writeFile(path.join(dir, 'files', name), body);
    }
    return dir;
  }

  const outcome = (testName: string, attempt: number, artifactsDir: string, rerunReason: string | null = null): AttemptOutcome => ({
    testName,
    attempt,
    remoteId: 'container:abc',
    artifactsDir,
    exitCode: rerunReason ? 1 : 0,
    exception: null,
    startedAt: new Date(Date.now() - 1000),
    finishedAt: new Date(),
    rerunReason,
  });

  test('stores attempt, results and artifacts once, however often and concurrently it is ingested', async () => {
    const target = await newRun();
    const store = new FolderArtifactStore(await mkdtemp(path.join(tmpdir(), 'testyard-store-')));
    const aggregator = new PostgresAggregator(db, store, target);
    const dir = await attemptDir(
      [
        { status: 'pass', name: 'sub/one', files: ['log.txt'] },
        { status: 'fail', name: 'two', note: 'broken' },
        { status: 'fail', files: ['output.txt'], extra_key: 7 },
      ],
      { 'output.txt': 'out\n', 'sub/one/log.txt': 'log\n' },
    );
    await Promise.all([aggregator.ingest(outcome('/a', 1, dir)), aggregator.ingest(outcome('/a', 1, dir))]);
    await aggregator.ingest(outcome('/a', 1, dir));
    // Another aggregator (a resumed worker) sees the same attempt again.
    await new PostgresAggregator(workers[1]!, store, target).ingest(outcome('/a', 1, dir));

    const attempts = await db.attempt.findMany({ where: { runPlatformId: target.runPlatformId } });
    expect(attempts).toHaveLength(1);
    const results = await db.result.findMany({ where: { attemptId: attempts[0]!.id }, orderBy: { line: 'asc' } });
    expect(results.map((result) => [result.line, result.name, result.status, result.note])).toEqual([
      [0, 'sub/one', 'pass', null],
      [1, 'two', 'fail', 'broken'],
      [2, null, 'fail', null],
    ]);
    expect(results[2]!.extra).toEqual({ files: ['output.txt'], extra_key: 7 });
    const artifacts = await db.artifact.findMany({ where: { attemptId: attempts[0]!.id }, orderBy: { path: 'asc' } });
    expect(artifacts.map((artifact) => [artifact.path, Number(artifact.size), artifact.resultId])).toEqual([
      ['files/output.txt', 4, results[2]!.id],
      ['files/sub/one/log.txt', 4, results[0]!.id],
    ]);
    expect(artifacts[0]!.sha256).toBe(createHash('sha256').update('out\n').digest('hex'));
    const stored = await new Promise<string>((resolve, reject) => {
      let text = '';
      store
        .read(artifacts[1]!.storageKey)
        .on('data', (chunk) => (text += chunk))
        .on('end', () => resolve(text))
        .on('error', reject);
    });
    expect(stored).toBe('log\n');
    // The attempt's folder was taken over whole, less `results`: the store holds its files and nothing else.
    const inStore = await readdir(store.root, { recursive: true, withFileTypes: true });
    expect(
      inStore
        .filter((entry) => !entry.isDirectory())
        .map((entry) => path.relative(store.root, path.join(entry.parentPath, entry.name)))
        .sort(),
    ).toEqual(artifacts.map((artifact) => artifact.storageKey));
  });

  test('a rerun attempt is stored superseded with its reason; resume supersedes attempts a dead worker left running', async () => {
    const target = await newRun();
    const store = new FolderArtifactStore(await mkdtemp(path.join(tmpdir(), 'testyard-store-')));
    const aggregator = new PostgresAggregator(db, store, target);
    await aggregator.ingest(outcome('/flaky', 1, await attemptDir([{ status: 'fail' }], {}), 'fail'));
    await aggregator.ingest(outcome('/flaky', 2, await attemptDir([{ status: 'pass' }], {})));
    await aggregator.attemptStarted('/cut', 1, 'container:dead', new Date());

    const flaky = await db.attempt.findMany({
      where: { runPlatformId: target.runPlatformId, testName: '/flaky' },
      orderBy: { number: 'asc' },
      include: { results: true },
    });
    expect(
      flaky.map((attempt) => [attempt.number, attempt.superseded, attempt.rerunReason, attempt.results.map((result) => result.superseded)]),
    ).toEqual([
      [1, true, 'fail', [true]],
      [2, false, null, [false]],
    ]);

    const resume = await prepareResume(db, target.runPlatformId);
    expect(resume.finished).toEqual(new Map([['/flaky', true]]));
    expect(resume.lastAttempts).toEqual(
      new Map([
        ['/flaky', 2],
        ['/cut', 1],
      ]),
    );
    const cut = await db.attempt.findFirstOrThrow({ where: { runPlatformId: target.runPlatformId, testName: '/cut' } });
    expect([cut.superseded, cut.rerunReason, cut.finishedAt]).toEqual([true, workerLostReason, null]);
  });

  test('a worker that lost its platform to another stores nothing more, while the new holder stores as usual', async () => {
    const target = await newRun();
    await db.runPlatform.update({ where: { id: target.runPlatformId }, data: { workerId: 'stalled-worker', status: 'running' } });
    const store = new FolderArtifactStore(await mkdtemp(path.join(tmpdir(), 'testyard-store-')));
    const stalled = new PostgresAggregator(db, store, { ...target, workerId: 'stalled-worker' });
    await stalled.ingest(outcome('/before', 1, await attemptDir([{ status: 'pass' }], {})));

    // Its heartbeat went stale; another worker took the platform over.
    await db.runPlatform.update({ where: { id: target.runPlatformId }, data: { workerId: 'successor' } });
    await expect(stalled.attemptStarted('/after', 1, 'container:old', new Date())).rejects.toThrow(RunPlatformLostError);
    await expect(stalled.ingest(outcome('/after', 1, await attemptDir([{ status: 'pass' }], {})))).rejects.toThrow(
      /taken over by another worker/,
    );
    await new PostgresAggregator(workers[1]!, store, { ...target, workerId: 'successor' }).ingest(
      outcome('/after', 1, await attemptDir([{ status: 'fail' }], {})),
    );

    const attempts = await db.attempt.findMany({
      where: { runPlatformId: target.runPlatformId },
      orderBy: { testName: 'asc' },
      include: { results: true },
    });
    expect(attempts.map((attempt) => [attempt.testName, attempt.remote, attempt.results.map((result) => result.status)])).toEqual([
      ['/after', 'container:abc', ['fail']],
      ['/before', 'container:abc', ['pass']],
    ]);
  });
  test('attempts handed in together are stored by one write and reported together', async () => {
    const target = await newRun();
    const store = new FolderArtifactStore(await mkdtemp(path.join(tmpdir(), 'testyard-store-')));
    const reported: IngestSummary[][] = [];
    // long enough for every attempt of the test to join the first one's write, on a busy machine too
    const aggregator = new PostgresAggregator(db, store, target, {
      onIngested: (summaries) => void reported.push(summaries),
      batchMs: 1000,
    });
    const statuses = ['pass', 'fail', 'pass', 'error', 'pass'];
    const dirs = await Promise.all(
      statuses.map((status, index) => attemptDir([{ status: 'pass', name: 'sub' }, { status }], { 'output.txt': `out ${index}\n` })),
    );
    await Promise.all([
      aggregator.attemptStarted('/started-only', 1, 'container:abc', new Date()),
      ...dirs.map((dir, index) => aggregator.ingest(outcome(`/t${index}`, 1, dir))),
    ]);

    expect(reported).toHaveLength(1);
    const summaries = reported[0]!.toSorted((a, b) => a.testName.localeCompare(b.testName));
    expect(summaries.map((summary) => [summary.testName, summary.status, summary.results])).toEqual(
      statuses.map((status, index) => [`/t${index}`, status, 2]),
    );
    for (const summary of summaries) {
      const results = await db.result.findMany({ where: { attemptId: summary.attemptId }, orderBy: { line: 'asc' } });
      expect(results.map((result) => [result.id, result.testName, result.status])).toEqual(
        summary.stored.map((stored) => [stored.id, summary.testName, stored.status]),
      );
      const artifacts = await db.artifact.findMany({ where: { attemptId: summary.attemptId } });
      expect(artifacts.map((artifact) => [artifact.path, artifact.resultId])).toEqual([['files/output.txt', results[1]!.id]]);
    }
    const flakiness = await db.testFlakiness.findMany({ where: { teamId: target.teamId }, orderBy: { testName: 'asc' } });
    expect(flakiness.map((row) => [row.testName, row.runs, row.recent, row.lastStatus])).toEqual(
      statuses.map((status, index) => [`/t${index}`, 1, status === 'pass' ? 'p' : 'f', status]),
    );
    const started = await db.attempt.findFirstOrThrow({ where: { runPlatformId: target.runPlatformId, testName: '/started-only' } });
    expect([started.remote, started.finishedAt]).toEqual(['container:abc', null]);
  });

  test('a write for a platform taken over stores none of its attempts and fails each of them', async () => {
    const target = await newRun();
    await db.runPlatform.update({ where: { id: target.runPlatformId }, data: { workerId: 'successor', status: 'running' } });
    const store = new FolderArtifactStore(await mkdtemp(path.join(tmpdir(), 'testyard-store-')));
    const stalled = new PostgresAggregator(db, store, { ...target, workerId: 'stalled-worker' }, { batchMs: 1000 });
    const ingests = await Promise.allSettled(
      ['/x', '/y'].map(async (name) => stalled.ingest(outcome(name, 1, await attemptDir([{ status: 'pass' }], {})))),
    );
    expect(ingests.map((ingest) => ingest.status)).toEqual(['rejected', 'rejected']);
    expect(await db.attempt.count({ where: { runPlatformId: target.runPlatformId } })).toBe(0);
  });
});

describe('system health', () => {
  test("a pool's observations are stored in batches with the same counts as one by one, and a host reaching quarantineAfter is quarantined once", async () => {
    const { teamId } = await newRun();
    const platform = await db.platform.create({
      data: { teamId, name: `pool-${unique++}`, kind: 'ssh', config: {}, maxRemotes: 2 },
    });
    const spec = platformSnapshot.parse({
      kind: 'ssh',
      config: { kind: 'ssh', hosts: [{ host: 'a' }, { host: 'b' }], quarantineAfter: 3 },
      context: {},
      maxRemotes: 2,
      maxSpares: 0,
      secretId: null,
    });
    const recorder = new SystemHealthRecorder(db, teamId, platform.id, spec, new AbortController().signal);
    const finished = (remote: string, exception: string | null): RunEvent => ({
      type: 'test.finished',
      platform: 'pool',
      remote,
      test: '/t',
      attempt: 1,
      exitCode: exception ? null : 0,
      exception,
      // every failure here is the system's (a lost connection)
      systemFailed: exception !== null,
    });
    // a: 5 successes, 1 failure, 2 successes; b: 2 successes, then 3 failures in a row
    const events = [
      ...Array.from({ length: 5 }, () => finished('ssh:a:22', null)),
      finished('ssh:b:22', null),
      finished('ssh:a:22', 'TestAbortedError(lost)'),
      finished('ssh:b:22', null),
      finished('ssh:a:22', null),
      finished('ssh:b:22', 'ConnectionError(one)'),
      finished('ssh:a:22', null),
      finished('ssh:b:22', 'ConnectionError(two)'),
      finished('ssh:b:22', 'ConnectionError(three)'),
    ];
    for (const event of events) recorder.observe(event);
    await recorder.flush();
    const rows = await db.systemHealth.findMany({ where: { platformId: platform.id }, orderBy: { system: 'asc' } });
    expect(
      rows.map((row) => [row.system, row.successes, row.failures, row.consecutiveFailures, row.lastError, row.quarantinedAt !== null]),
    ).toEqual([
      ['ssh:a:22', 7, 1, 0, 'TestAbortedError(lost)', false],
      ['ssh:b:22', 2, 3, 3, 'ConnectionError(three)', true],
    ]);
    const audits = await db.auditEntry.findMany({ where: { teamId, action: 'system.quarantined' } });
    expect(audits.map((audit) => audit.subjectId)).toEqual([rows[1]!.id]);
  });
});
