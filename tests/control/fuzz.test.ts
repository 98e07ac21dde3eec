/**
 * Property test over 10,000+ random and adversarial control streams, cut
 * at random chunk boundaries and spread over up to three boots: the
 * recorder never throws or leaves an unhandled rejection, writes nothing
 * outside `files/` and `results`, always ends with well-formed `results`,
 * and never buffers more than its limits allow.
 */
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AttemptRecorder, type AttemptEnd, type ControlLimits, type StreamEnd } from '../../lib/engine/control/index';
import { report, splitInto, stream } from './support';

const runs = 10_000;

const limits: ControlLimits = {
  maxLineBytes: 64,
  maxResultJsonBytes: 512,
  maxFileBytes: 48,
  maxTotalBytes: 4096,
  maxPendingPartials: 3,
};
const largestAllowedBuffer = Math.max(limits.maxLineBytes, limits.maxResultJsonBytes, limits.maxFileBytes);

const resultNames = fc.constantFrom('sub', 'sub/deep', 'x/./y', 'a//b', 'ü/ñ');
const fileNames = fc.constantFrom('f1', 'd/f2', 'd//f3', 'output.txt', 'log');
const testoutNames = fc.constantFrom('out.txt', 't/log');
const badNames = fc.constantFrom('.', '..', '../x', 'a/../../b', '/abs', '/', 'a\u0001b', '', 'x'.repeat(300));
const anyName = fc.oneof({ weight: 4, arbitrary: fc.oneof(resultNames, fileNames) }, { weight: 1, arbitrary: badNames });

const wellFormedResult: fc.Arbitrary<Record<string, unknown>> = fc.record(
  {
    status: fc.constantFrom('pass', 'fail', 'error', 'infra'),
    name: resultNames,
    partial: fc.boolean(),
    note: fc.oneof(fc.string({ maxLength: 8 }), fc.constant(null)),
    testout: testoutNames,
    files: fc.array(fc.record({ name: fileNames, length: fc.nat(40) }), { maxLength: 3 }),
    extra: fc.jsonValue({ maxDepth: 2, depthSize: 'xsmall' }),
  },
  { requiredKeys: [] },
);

const fileLength = fc.oneof(
  { weight: 4, arbitrary: fc.nat(40) },
  { weight: 1, arbitrary: fc.constantFrom<unknown>(-1, 1.5, '3', 'x', null, 100, 1e20, [1], {}) },
);

const adversarialResult = fc.record(
  {
    status: fc.constantFrom<unknown>('pass', 1, null),
    name: fc.oneof(anyName, fc.constantFrom<unknown>(null, 7)),
    partial: fc.constantFrom<unknown>(true, false, 'yes', null),
    note: fc.constantFrom<unknown>(null, 1.5, [1], { a: null }),
    testout: fc.oneof(anyName, fc.constantFrom<unknown>(null, '')),
    files: fc.oneof(
      fc.array(fc.record({ name: fc.oneof(anyName, fc.constantFrom<unknown>(5, null)), length: fileLength }, { requiredKeys: [] }), {
        maxLength: 3,
      }),
      fc.constantFrom<unknown>('x', null, {}),
    ),
  },
  { requiredKeys: [] },
);

const resultObject = fc.oneof({ weight: 5, arbitrary: wellFormedResult }, { weight: 1, arbitrary: adversarialResult });

/** Bytes a result's file entries promise, as far as they promise a usable length. */
function promisedBytes(result: Record<string, unknown>): number {
  const files = result.files;
  if (!Array.isArray(files)) return 0;
  return files.reduce((total: number, entry: unknown) => {
    const length = typeof entry === 'object' && entry !== null && 'length' in entry ? entry.length : 0;
    return total + (typeof length === 'number' && Number.isInteger(length) && length >= 0 && length < 1000 ? length : 0);
  }, 0);
}

/** A `result` with its file bodies; `skew` sometimes makes the length lie or the body too short or too long. */
function resultSegment(results: fc.Arbitrary<Record<string, unknown>>, skew: fc.Arbitrary<number>): fc.Arbitrary<Buffer> {
  return fc
    .record({ result: results, lengthSkew: skew, bodySkew: skew, bodyByte: fc.integer({ min: 0, max: 255 }) })
    .map(({ result, lengthSkew, bodySkew, bodyByte }) => {
      const json = Buffer.from(JSON.stringify(result));
      const body = Buffer.alloc(Math.max(0, promisedBytes(result) + bodySkew), bodyByte);
      return stream(`result ${json.length + lengthSkew}\n`, json, body);
    });
}

const rareSkew = fc.oneof({ weight: 20, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.integer({ min: -5, max: 5 }) });

const latin1Line = (line: string) => Buffer.from(line, 'latin1');
const goodControlLine = fc
  .constantFrom(
    'noop\n',
    'noop x\n',
    'exitcode 3\n',
    'duration 5m\n',
    'duration +60\n',
    'duration -30\n',
    'duration save\n',
    'duration restore\n',
    'duration 1h 30m\n',
    'disconnect\n',
  )
  .map(latin1Line);
const badControlLine = fc
  .constantFrom(
    'exitcode x\n',
    'exitcode\n',
    'duration\n',
    'duration +\n',
    'duration 5 minutes\n',
    '\n',
    'result\n',
    'result -3\n',
    'result 99999\n',
    'bogus\n',
    `noop ${'x'.repeat(100)}\n`,
    'noop\r\n',
    'noop \xff\n',
  )
  .map(latin1Line);

const oddJson = fc
  .constantFrom(
    '[]',
    '[{"status": "pass"}]',
    '"x"',
    'null',
    '1',
    '{"a": ',
    '{"a": NaN}',
    `${'['.repeat(300)}${']'.repeat(300)}`,
    '{"files": [{"name": "a", "length": 1}, {"name": "a/b", "length": 1}]}ab',
    '{"testout": "t", "files": [{"name": "t", "length": 1}]}x',
  )
  .map((json) => report(json));

const cleanSegment = fc.oneof(
  { weight: 2, arbitrary: resultSegment(wellFormedResult, fc.constant(0)) },
  { weight: 1, arbitrary: goodControlLine },
);

const adversarialSegment = fc.oneof(
  { weight: 12, arbitrary: resultSegment(resultObject, rareSkew) },
  { weight: 6, arbitrary: goodControlLine },
  { weight: 1, arbitrary: badControlLine },
  { weight: 1, arbitrary: oddJson },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 80 }).map((bytes) => Buffer.from(bytes)) },
);

const attempt = fc.record({
  boots: fc.array(
    fc.record({
      segments: fc.oneof(fc.array(cleanSegment, { maxLength: 8 }), fc.array(adversarialSegment, { maxLength: 8 })),
      finishWithExitcode: fc.boolean(),
    }),
    { minLength: 1, maxLength: 3 },
  ),
  chunkSizes: fc.oneof(fc.constant([1 << 20]), fc.array(fc.integer({ min: 1, max: 64 }), { minLength: 1, maxLength: 6 })),
  end: fc.oneof(
    fc.integer({ min: 0, max: 3 }).map((exitCode): AttemptEnd => ({ exitCode })),
    fc.constant<AttemptEnd>({ abort: 'TestAbortedError(test duration timeout reached)' }),
  ),
});

/** Checks that the fuzz folder holds nothing but the run folders (no escape one level up), then empties it. */
async function clearRuns(base: string, runsSoFar: number): Promise<void> {
  const entries = await readdir(base);
  expect(entries.every((entry) => /^[0-9]+$/.test(entry) && Number(entry) < runsSoFar)).toBe(true);
  await Promise.all(entries.map((entry) => rm(join(base, entry), { recursive: true, force: true })));
}

describe('control stream fuzzing', () => {
  let base = '';
  let unhandledRejections = 0;
  const countRejection = () => unhandledRejections++;

  beforeAll(async () => {
    base = await mkdtemp(join(existsSync('/dev/shm') ? '/dev/shm' : tmpdir(), 'testyard-control-fuzz-'));
    process.on('unhandledRejection', countRejection);
  });

  afterAll(async () => {
    process.off('unhandledRejection', countRejection);
    await rm(base, { recursive: true, force: true });
  });

  it(`survives ${runs} random and adversarial streams with bounded buffers, writing only inside the artifacts folder`, async () => {
    let run = 0;
    let peak = 0;
    let resultLines = 0;
    let filesWritten = 0;
    const endKinds = new Map<StreamEnd['kind'], number>();
    await fc.assert(
      fc.asyncProperty(attempt, async ({ boots, chunkSizes, end }) => {
        const runDir = join(base, String(run++));
        const artifactsDir = join(runDir, 'artifacts');
        await mkdir(runDir);
        const recorder = await AttemptRecorder.create(artifactsDir, { limits });
        for (const boot of boots) {
          const data = stream(...boot.segments, boot.finishWithExitcode ? 'exitcode 0\n' : '');
          const streamEnd = await recorder.consume(Readable.from(splitInto(data, chunkSizes)));
          endKinds.set(streamEnd.kind, (endKinds.get(streamEnd.kind) ?? 0) + 1);
          if (streamEnd.kind === 'error') expect(streamEnd.message.length).toBeGreaterThan(0);
        }
        await recorder.finish(end);
        const returned = await recorder.readResults();

        const lines = (await readFile(join(artifactsDir, 'results'), 'utf8')).split('\n');
        expect(lines.pop()).toBe('');
        const parsed = lines.map((line) => JSON.parse(line) as unknown);
        expect(parsed.every((line) => typeof line === 'object' && line !== null && !Array.isArray(line))).toBe(true);
        expect(returned).toEqual(parsed);

        resultLines += parsed.length;
        expect(await readdir(runDir)).toEqual(['artifacts']);
        const entries = await readdir(artifactsDir, { recursive: true, withFileTypes: true });
        const topLevel = entries.filter((entry) => entry.parentPath === artifactsDir);
        expect(topLevel.map((entry) => `${entry.name}:${entry.isDirectory() ? 'dir' : 'file'}`).sort()).toEqual([
          'files:dir',
          'results:file',
        ]);
        // A symlink, socket or the like under files/ would be an escape route.
        expect(entries.filter((entry) => !entry.isFile() && !entry.isDirectory())).toEqual([]);
        filesWritten += entries.length - 2;

        expect(recorder.peakBufferedBytes).toBeLessThanOrEqual(largestAllowedBuffer);
        peak = Math.max(peak, recorder.peakBufferedBytes);
        if (run % 500 === 0) await clearRuns(base, run);
      }),
      { numRuns: runs },
    );
    await clearRuns(base, run);
    expect(unhandledRejections).toBe(0);
    expect(run).toBeGreaterThanOrEqual(runs);
    // The generators must actually reach every kind of ending.
    expect([...endKinds.keys()].sort()).toEqual(['disconnect', 'eof', 'error', 'exitcode']);
    console.info(
      `control fuzz: ${run} attempts, stream ends ${JSON.stringify(Object.fromEntries(endKinds))}, ` +
        `${resultLines} result lines, ${filesWritten} files/folders written, peak buffer ${peak} B`,
    );
  }, 120_000);
});
