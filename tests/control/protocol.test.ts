/**
 * The protocol of docs/TEST_CONTROL.md (atex's, restated): atex's worked
 * examples, every control word, every limit, and the bad input atex accepts
 * silently or crashes on, which here ends the stream with an error that
 * names the problem.
 */
import { mkdir, readdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { AttemptRecorder, defaultControlLimits, resolveControlLimits, type DurationChange } from '../../lib/engine/control/index';
import { asStrings, report, runAttempt, stream, withTempDir } from './support';

describe('worked examples', () => {
  it('docs/TEST_CONTROL.md "Results", full binary stream example: two results, the first with files A and B', async () => {
    const first = '{"status": "pass", "name": "some/test", "files": [{"name": "A", "length": 13}, {"name": "B", "length": 13}]}';
    const second = '{"status": "pass", "name": "another/test"}';
    const data = stream(`result 108\n${first}contents of Acontents of Bresult 42\n${second}`, 'exitcode 0\n');
    expect(Buffer.byteLength(first)).toBe(108);
    expect(Buffer.byteLength(second)).toBe(42);
    await withTempDir(async (root) => {
      const attempt = await runAttempt(root, { boots: [data] });
      expect(attempt.results).toBe(
        '{"status": "pass", "name": "some/test", "files": ["A", "B"]}\n' +
          '{"status": "pass", "name": "another/test"}\n' +
          '{"status": "pass", "files": ["output.txt"]}\n',
      );
      expect(asStrings(attempt.files)).toEqual({
        'some/test/A': 'contents of A',
        'some/test/B': 'contents of B',
        'output.txt': '',
      });
    });
  });

  it('docs/TEST_CONTROL.md "Results", partial results: held result merged with its later files, the other result first', async () => {
    const data = stream(
      report('{"name": "some/test", "status": "error", "partial": true, "files": [{"name": "out.log", "length": 29}]}'),
      'this is out.log with newline\n',
      report('{"name": "another/test", "status": "pass"}'),
      report('{"name": "some/test", "partial": true, "files": [{"name": "report.log", "length": 32}]}'),
      'this is report.log with newline\n',
      report('{"name": "some/test", "status": "pass"}'),
      report('{"status": "pass"}'),
      'exitcode 0\n',
    );
    await withTempDir(async (root) => {
      const attempt = await runAttempt(root, { boots: [data] });
      expect(attempt.results).toBe(
        '{"name": "another/test", "status": "pass"}\n' +
          '{"name": "some/test", "status": "pass", "files": ["out.log", "report.log"]}\n' +
          '{"status": "pass"}\n',
      );
      expect(asStrings(attempt.files)).toEqual({
        'some/test/out.log': 'this is out.log with newline\n',
        'some/test/report.log': 'this is report.log with newline\n',
      });
    });
  });

  it('docs/TEST_CONTROL.md "Results", fallback result vs partial results: logs uploaded on the fly, status from the exit code', async () => {
    const data = stream(
      report('{"partial": true, "files": [{"name": "some.log", "length": 8}]}'),
      'some log',
      report('{"partial": true, "files": [{"name": "another.log", "length": 11}]}'),
      'another log',
      'exitcode 1\n',
    );
    await withTempDir(async (root) => {
      const attempt = await runAttempt(root, { boots: [data], output: 'out\n' });
      expect(attempt.results).toBe('{"files": ["output.txt", "another.log", "some.log"], "status": "fail"}\n');
      expect(asStrings(attempt.files)).toEqual({ 'some.log': 'some log', 'another.log': 'another log', 'output.txt': 'out\n' });
    });
  });

  it('docs/TEST_CONTROL.md "Results", test stdout and stderr: testout of a named result, next to its own files', async () => {
    const data = stream(
      report('{"status": "pass", "name": "some/test", "testout": "test.log", "files": [{"name": "extra", "length": 1}]}'),
      'x',
      'exitcode 0\n',
    );
    await withTempDir(async (root) => {
      const attempt = await runAttempt(root, { boots: [data], output: 'the output\n' });
      expect(attempt.results.split('\n')[0]).toBe('{"status": "pass", "name": "some/test", "files": ["test.log", "extra"]}');
      expect(asStrings(attempt.files)).toMatchObject({ 'some/test/test.log': 'the output\n', 'some/test/extra': 'x' });
    });
  });

  it('docs/TEST_CONTROL.md "Results" merge rules: add, delete with null, replace scalars, append lists, merge objects, replace on type change', async () => {
    const data = stream(
      report(
        '{"partial": true, "status": "error", "keep": 1, "gone": 2, "list": [1], "obj": {"a": 1, "b": {"c": 1}, "d": 4}, "flip": [1]}',
      ),
      report('{"partial": true, "gone": null, "never": null, "list": [2, null], "obj": {"b": {"e": 2}, "d": null}, "flip": {"x": 1}}'),
      report('{"status": "pass", "keep": 1.0, "list": [[3]], "obj": {"a": "A"}, "new": true}'),
      'exitcode 0\n',
    );
    await withTempDir(async (root) => {
      const attempt = await runAttempt(root, { boots: [data] });
      expect(attempt.results).toBe(
        '{"status": "pass", "keep": 1.0, "list": [1, 2, null, [3]], "obj": {"a": "A", "b": {"c": 1, "e": 2}}, "flip": {"x": 1}, "new": true}\n',
      );
    });
  });

  it('held partial results keep the order in which they first appeared', async () => {
    const data = stream(
      report('{"name": "b", "partial": true, "status": "error"}'),
      report('{"name": "a", "partial": true, "status": "error"}'),
      report('{"name": "b", "partial": true, "note": "updated"}'),
      report('{"partial": true, "status": "warn"}'),
      'exitcode 0\n',
    );
    await withTempDir(async (root) => {
      const attempt = await runAttempt(root, { boots: [data] });
      expect(attempt.results).toBe(
        '{"name": "b", "status": "error", "note": "updated"}\n' +
          '{"name": "a", "status": "error"}\n' +
          '{"status": "warn", "files": ["output.txt"]}\n',
      );
    });
  });
});

describe('control words', () => {
  it('reports duration changes in order, in seconds, with fmf syntax', async () => {
    const changes: DurationChange[] = [];
    const data = stream(
      'duration 15m\nduration +60\nduration -30\nduration save\nduration 1h 30m\nduration restore\nduration 2d\nduration 45s\nduration 7\n',
      'exitcode 0\n',
    );
    await withTempDir(async (root) => {
      await runAttempt(root, { boots: [data], handlers: { onDuration: (change) => changes.push(change) } });
    });
    expect(changes).toEqual([
      { kind: 'set', seconds: 900 },
      { kind: 'add', seconds: 60 },
      { kind: 'add', seconds: -30 },
      { kind: 'save' },
      { kind: 'set', seconds: 5400 },
      { kind: 'restore' },
      { kind: 'set', seconds: 172800 },
      { kind: 'set', seconds: 45 },
      { kind: 'set', seconds: 7 },
    ]);
  });

  it('disconnect calls the handler and ends the stream at once; the next boot continues the same attempt', async () => {
    let disconnects = 0;
    await withTempDir(async (root) => {
      const attempt = await runAttempt(root, {
        boots: [
          stream(
            report('{"name": "before", "partial": true, "files": [{"name": "log", "length": 3}]}'),
            'one',
            'disconnect\n',
            'bogus after disconnect\n',
          ),
          stream(report('{"name": "before", "files": [{"name": "log", "length": 3}]}'), 'two', 'exitcode 0\n'),
        ],
        handlers: { onDisconnect: () => disconnects++ },
      });
      expect(attempt.ends).toEqual([{ kind: 'disconnect' }, { kind: 'exitcode', code: 0 }]);
      expect(attempt.results).toBe('{"name": "before", "files": ["log"]}\n{"status": "pass", "files": ["output.txt"]}\n');
      expect(asStrings(attempt.files)['before/log']).toBe('onetwo');
    });
    expect(disconnects).toBe(1);
  });

  it('after disconnect the stream is released, so a test writing noop in a loop gets EPIPE', async () => {
    await withTempDir(async (root) => {
      const recorder = await AttemptRecorder.create(join(root, 'artifacts'));
      const pipe = new PassThrough();
      pipe.write('disconnect\n');
      expect(await recorder.consume(pipe)).toEqual({ kind: 'disconnect' });
      expect(pipe.destroyed).toBe(true);
      await recorder.finish({ exitCode: 0 });
    });
  });

  it('noop does nothing (arguments are ignored, as in atex), and words after exitcode still count', async () => {
    await withTempDir(async (root) => {
      const attempt = await runAttempt(root, {
        boots: [stream('noop\nnoop whatever\nexitcode 3\n', report('{"status": "pass"}'), 'exitcode 4\n')],
      });
      expect(attempt.ends).toEqual([{ kind: 'exitcode', code: 4 }]);
      expect(attempt.results).toBe('{"status": "pass"}\n');
    });
  });

  it('a stream that ends without exitcode is reported as eof, for the executor to abort', async () => {
    await withTempDir(async (root) => {
      const attempt = await runAttempt(root, {
        boots: [stream('noop\n')],
        end: { abort: 'TestAbortedError(exitcode not reported, wrapper bug?)' },
      });
      expect(attempt.ends).toEqual([{ kind: 'eof' }]);
      expect(attempt.results).toBe(
        '{"status": "infra", "note": "TestAbortedError(exitcode not reported, wrapper bug?)", "files": ["output.txt"]}\n',
      );
    });
  });

  it('a line of exactly the limit (4096 bytes with its newline) is accepted', async () => {
    const line = `noop ${'x'.repeat(4096 - 'noop '.length - 1)}\n`;
    expect(line.length).toBe(4096);
    await withTempDir(async (root) => {
      const attempt = await runAttempt(root, { boots: [stream(line, 'exitcode 0\n')], chunkSizes: [1000] });
      expect(attempt.ends).toEqual([{ kind: 'exitcode', code: 0 }]);
    });
  });
});

/** Bad input: [what the stream contains, pattern of the error message]. */
const rejectedStreams: Array<[string, Buffer, RegExp]> = [
  ['unknown word', stream('bogus 1\n'), /^unknown control word: bogus$/],
  ['over-long line', stream(`noop ${'x'.repeat(4091)}\n`), /^control line longer than 4096 bytes/],
  ['over-long line without newline', stream('x'.repeat(5000)), /^control line longer than 4096 bytes/],
  ['empty line', stream('\n'), /^empty control line/],
  ['non-ASCII line', stream('noop \xe9\n'), /non-ASCII byte at position 5/],
  ['CR in a word', stream('noop\r\n'), /^unknown control word: noop\r$/],
  ['line cut by EOF', stream('exitcode 0'), /end of stream in the middle of a control line/],
  ['exitcode without number', stream('exitcode\n'), /^exitcode argument empty$/],
  ['exitcode not a number', stream('exitcode 1x\n'), /^'1x' is not an integer exit code$/],
  ['duration empty', stream('duration\n'), /^duration argument empty$/],
  ['duration malformed', stream('duration 5 minutes\n'), /^duration 5 minutes: invalid fmf duration/],
  ['duration + alone', stream('duration +\n'), /^duration \+: invalid fmf duration/],
  ['result without length', stream('result\n{}'), /^reading json length: '' is not a non-negative integer$/],
  ['negative result length', stream('result -2\n{}'), /^reading json length: '-2'/],
  ['result length with sign', stream('result +2\n{}'), /^reading json length: '\+2'/],
  [
    'result length over the limit',
    stream(`result ${2 * 1024 * 1024}\n`),
    /^result JSON length 2097152 is over the limit of 1048576 bytes$/,
  ],
  ['JSON cut by EOF', stream('result 10\n{"a"'), /^EOF when reading data \(result JSON: got 4 of 10 bytes\)$/],
  ['invalid JSON', report('{"status": pass}'), /^JSON decode: expecting a value at character 11$/],
  ['trailing data in the JSON', report('{} {}'), /^JSON decode: extra data after the JSON value/],
  ['NaN in the JSON', report('{"x": NaN}'), /^JSON decode: expecting a value/],
  ['JSON not UTF-8', stream('result 4\n"\xff\xfe"'), /^JSON decode: not valid UTF-8$/],
  ['JSON nested too deep', report(`${'['.repeat(300)}${']'.repeat(300)}`), /^JSON decode: nested deeper than 256 levels/],
  ['JSON array', report('[{"status": "pass"}]'), /^result must be a JSON object, got a list$/],
  ['JSON string', report('"pass"'), /^result must be a JSON object, got a string$/],
  ['JSON null', report('null'), /^result must be a JSON object, got null$/],
  ['name not a string', report('{"name": 5}'), /^'name' must be a non-empty string, got an integer$/],
  ['empty name', report('{"name": ""}'), /^'name' must be a non-empty string/],
  ['partial not a boolean', report('{"partial": "yes"}'), /^'partial' must be true or false, got a string$/],
  ['testout not a string', report('{"testout": ["x"]}'), /^'testout' must be a string, got a list$/],
  ['testout null', report('{"testout": null}'), /^'testout' specified, but empty$/],
  ['files not a list', report('{"files": {"name": "x", "length": 1}}'), /^'files' must be a list, got an object$/],
  ['file entry not an object', report('{"files": ["x"]}'), /^file entry must be an object, got a string$/],
  ['file entry without length', report('{"files": [{"name": "x"}]}'), /^file entry missing 'name' or 'length'/],
  ['file entry with empty name', report('{"files": [{"name": "", "length": 1}]}'), /^file entry missing 'name' or 'length'/],
  [
    'negative file length',
    report('{"files": [{"name": "x", "length": -1}]}'),
    /^file entry x length: must be a non-negative integer, got -1$/,
  ],
  [
    'fractional file length',
    report('{"files": [{"name": "x", "length": 2.5}]}'),
    /^file entry x length: must be a non-negative integer, got 2.5$/,
  ],
  [
    'file length not a number',
    report('{"files": [{"name": "x", "length": "two"}]}'),
    /^file entry x length: must be a non-negative integer, got a string$/,
  ],
  [
    'file length over the limit',
    report('{"files": [{"name": "x", "length": 17179869185}]}'),
    /^file entry x length 17179869185 is over the limit of 17179869184 bytes$/,
  ],
  ['file name with ..', report('{"files": [{"name": "../escape", "length": 1}]}'), /^file name '..\/escape' contains '..'$/],
  ['file name with .. inside', report('{"files": [{"name": "a/../../escape", "length": 1}]}'), /contains '..'/],
  ['absolute file name', report('{"files": [{"name": "/etc/passwd", "length": 1}]}'), /^file name '\/etc\/passwd' is an absolute path$/],
  ['file name naming nothing', report('{"files": [{"name": "./", "length": 1}]}'), /^file name '.\/' does not name a file$/],
  ['result name with ..', report('{"name": "../up", "files": [{"name": "x", "length": 1}]}'), /^result name '..\/up' contains '..'$/],
  ['absolute result name', report('{"name": "/abs", "testout": "x"}'), /^result name '\/abs' is an absolute path$/],
  ['testout with ..', report('{"testout": "../out"}'), /^testout name '..\/out' contains '..'$/],
  [
    'testout also in files',
    report('{"testout": "log", "files": [{"name": "./log", "length": 1}]}'),
    /^testout 'log' is also listed in files as '.\/log'$/,
  ],
];

describe('bad input ends the stream with an error naming the problem', () => {
  it.each(rejectedStreams)('%s', async (_label, data, message) => {
    await withTempDir(async (root) => {
      const good = report('{"status": "pass", "name": "kept", "files": [{"name": "kept.log", "length": 4}]}');
      const attempt = await runAttempt(root, { boots: [stream(good, 'kept', data)] });
      const end = attempt.ends[0];
      expect(end.kind).toBe('error');
      if (end.kind !== 'error') return;
      expect(end.message).toMatch(message);
      expect(end.note).toMatch(/^Bad(Control|ReportJSON)Error\(/);
      // what came before is kept, the fallback names the problem
      const lines = attempt.results
        .trimEnd()
        .split('\n')
        .map((line) => JSON.parse(line));
      expect(lines).toEqual([
        { status: 'pass', name: 'kept', files: ['kept.log'] },
        { status: 'infra', note: end.note, files: ['output.txt'] },
      ]);
      expect(asStrings(attempt.files)['kept/kept.log']).toBe('kept');
      expect(attempt.outside).toEqual([]);
      expect(Object.keys(attempt.files).every((path) => !path.includes('..') && !path.startsWith('/'))).toBe(true);
    });
  });

  it('nothing after the error is read, later consume calls repeat the error, and finish ignores the exit code', async () => {
    await withTempDir(async (root) => {
      const recorder = await AttemptRecorder.create(join(root, 'artifacts'));
      const first = await recorder.consume(Readable.from([stream('bogus\n', report('{"status": "pass"}'))]));
      expect(first).toMatchObject({ kind: 'error', message: 'unknown control word: bogus' });
      const second = await recorder.consume(Readable.from([stream(report('{"status": "pass"}'), 'exitcode 0\n')]));
      expect(second).toEqual(first);
      await recorder.finish({ exitCode: 0 });
      expect(await recorder.readResults()).toEqual([
        { status: 'infra', note: 'BadControlError(unknown control word: bogus)', files: ['output.txt'] },
      ]);
    });
  });

  it('a testout clashing with a file sent earlier for the same result is refused, as atex does', async () => {
    await withTempDir(async (root) => {
      const attempt = await runAttempt(root, {
        boots: [
          stream(
            report('{"name": "sub", "partial": true, "files": [{"name": "log", "length": 1}]}'),
            'x',
            report('{"name": "sub", "status": "pass", "testout": "log"}'),
            'exitcode 0\n',
          ),
        ],
      });
      expect(attempt.ends[0]).toMatchObject({ kind: 'error', message: "file 'log' already exists" });
    });
  });

  it('a held partial result that cannot be written at the end is dropped and reported, as atex logs it', async () => {
    await withTempDir(async (root) => {
      const attempt = await runAttempt(root, {
        boots: [
          stream(
            report('{"name": "sub", "partial": true, "testout": "log"}'),
            report('{"name": "sub", "partial": true, "files": [{"name": "log", "length": 1}]}'),
            'x',
            'exitcode 0\n',
          ),
        ],
      });
      expect(attempt.results).toBe('{"status": "pass", "files": ["output.txt"]}\n');
      expect(attempt.recorder.finishProblems).toEqual([
        `BadReportJSONError(file 'log' already exists) when writing held result {"name": "sub", "files": ["log", "log"]}`,
      ]);
    });
  });

  it('a file and a folder of the same name: the clash is an error, not a crash', async () => {
    await withTempDir(async (root) => {
      const attempt = await runAttempt(root, {
        boots: [stream(report('{"files": [{"name": "a", "length": 1}, {"name": "a/b", "length": 1}]}'), 'xy')],
      });
      expect(attempt.ends[0]).toMatchObject({
        kind: 'error',
        message: "cannot store 'a/b': 'a' already exists and is not a folder",
      });
      const reverse = await runAttempt(join(root, 'again'), {
        boots: [stream(report('{"files": [{"name": "a/b", "length": 1}, {"name": "a", "length": 1}]}'), 'xy')],
      });
      expect(reverse.ends[0]).toMatchObject({ kind: 'error', message: "cannot write file 'a': a folder of that name exists" });
    });
  });

  it('symlinks planted inside files/ are not followed, neither as a folder nor as a file', async () => {
    await withTempDir(async (root) => {
      const outside = join(root, 'outside');
      await mkdir(outside);
      await writeFile(join(outside, 'target'), 'untouched');
      const recorder = await AttemptRecorder.create(join(root, 'artifacts'));
      await symlink(outside, join(root, 'artifacts', 'files', 'dir-link'));
      await symlink(join(outside, 'target'), join(root, 'artifacts', 'files', 'file-link'));
      const viaFolder = await recorder.consume(Readable.from([stream(report('{"files": [{"name": "dir-link/new", "length": 1}]}'), 'x')]));
      expect(viaFolder).toMatchObject({
        kind: 'error',
        message: "cannot store 'dir-link/new': 'dir-link' already exists and is not a folder",
      });
      await recorder.finish({ exitCode: 0 });

      const second = await AttemptRecorder.create(join(root, 'artifacts2'));
      await symlink(join(outside, 'target'), join(root, 'artifacts2', 'files', 'file-link'));
      const viaFile = await second.consume(Readable.from([stream(report('{"files": [{"name": "file-link", "length": 1}]}'), 'x')]));
      expect(viaFile).toMatchObject({ kind: 'error', message: "cannot write file 'file-link': it is a symlink" });
      await second.finish({ exitCode: 0 });
      expect(await readFile(join(outside, 'target'), 'utf8')).toBe('untouched');
    });
  });

  it('control characters in names become underscores, as in atex', async () => {
    await withTempDir(async (root) => {
      const attempt = await runAttempt(root, {
        boots: [stream(report('{"name": "a\\tb", "files": [{"name": "x\\u0000y", "length": 1}]}'), 'z', 'exitcode 0\n')],
      });
      expect(attempt.results.split('\n')[0]).toBe('{"name": "a\\tb", "files": ["x\\u0000y"]}');
      expect(Object.keys(attempt.files)).toContain('a_b/x_y');
    });
  });

  it('a file length given as a decimal string is accepted, as atex does int(length)', async () => {
    await withTempDir(async (root) => {
      const attempt = await runAttempt(root, {
        boots: [stream(report('{"status": "pass", "files": [{"name": "x", "length": "3"}]}'), 'abc', 'exitcode 0\n')],
      });
      expect(asStrings(attempt.files)).toEqual({ x: 'abc' });
    });
  });

  it('a failing control stream (read error) ends with an error, not a rejection', async () => {
    await withTempDir(async (root) => {
      const recorder = await AttemptRecorder.create(join(root, 'artifacts'));
      const broken = new Readable({
        read() {
          this.destroy(new Error('connection reset'));
        },
      });
      expect(await recorder.consume(broken)).toMatchObject({ kind: 'error', message: 'connection reset', note: 'Error(connection reset)' });
      await recorder.finish({ exitCode: 0 });
    });
  });
});

describe('limits', () => {
  const small = { maxLineBytes: 64, maxResultJsonBytes: 128, maxFileBytes: 100, maxTotalBytes: 1000, maxPendingPartials: 2 };

  it.each([
    ['line', stream(`noop ${'x'.repeat(60)}\n`), /^control line longer than 64 bytes/],
    ['JSON', stream(`result 129\n`), /^result JSON length 129 is over the limit of 128 bytes$/],
    ['file', report('{"files": [{"name": "x", "length": 101}]}'), /^file entry x length 101 is over the limit of 100 bytes$/],
    [
      'total bytes',
      stream(...Array.from({ length: 7 }, () => stream(report('{"files": [{"name": "x", "length": 100}]}'), 'x'.repeat(100)))),
      /would exceed the limit of 1000 bytes per attempt/,
    ],
    [
      'pending partials',
      stream(report('{"name": "a", "partial": true}'), report('{"name": "b", "partial": true}'), report('{"name": "c", "partial": true}')),
      /^more than 2 partial results pending at once$/,
    ],
    [
      'growth of a held partial',
      stream(...Array.from({ length: 6 }, () => report(`{"partial": true, "list": ["${'y'.repeat(30)}"]}`))),
      /^partial result for the test itself grew to \d+ bytes, over the limit of 128$/,
    ],
  ])('%s', async (_label, data, message) => {
    await withTempDir(async (root) => {
      const attempt = await runAttempt(root, { boots: [data], limits: small });
      expect(attempt.ends[0]).toMatchObject({ kind: 'error' });
      expect(attempt.ends[0].kind === 'error' && attempt.ends[0].message).toMatch(message);
      expect(attempt.recorder.peakBufferedBytes).toBeLessThanOrEqual(128);
    });
  });

  it('the total is counted over all boots of the attempt', async () => {
    await withTempDir(async (root) => {
      const boot = stream('noop\n'.repeat(30), 'disconnect\n');
      const attempt = await runAttempt(root, { boots: [boot, boot, boot, boot, boot, boot, boot], limits: small });
      expect(attempt.ends.map((end) => end.kind)).toEqual([
        'disconnect',
        'disconnect',
        'disconnect',
        'disconnect',
        'disconnect',
        'disconnect',
        'error',
      ]);
    });
  });

  it('defaults follow the spec and bad limits are refused with a readable message', () => {
    expect(defaultControlLimits.maxLineBytes).toBe(4096);
    expect(resolveControlLimits({ maxPendingPartials: 5 })).toEqual({ ...defaultControlLimits, maxPendingPartials: 5 });
    expect(resolveControlLimits({ maxFileBytes: 0 }).maxFileBytes).toBe(0);
    expect(() => resolveControlLimits({ maxLineBytes: 1 })).toThrow(
      'invalid control limits: maxLineBytes: a control line needs at least one byte and its newline, got 1',
    );
    expect(() => resolveControlLimits({ maxTotalBytes: 1.5, maxPendingPartials: 0 })).toThrow(
      'invalid control limits: maxTotalBytes: must be a whole number, got 1.5; maxPendingPartials: must be at least 1, got 0',
    );
    expect(() => resolveControlLimits({ maxFileBytes: '5' } as never)).toThrow('maxFileBytes: must be a whole number, got 5');
    expect(() => resolveControlLimits({ bogus: 1 } as never)).toThrow('bogus: not a control limit');
  });
});

describe('recorder lifecycle', () => {
  it('refuses a folder that already holds results of another attempt', async () => {
    await withTempDir(async (root) => {
      const dir = join(root, 'artifacts');
      await mkdir(dir);
      await writeFile(join(dir, 'results'), '');
      await expect(AttemptRecorder.create(dir)).rejects.toThrow(/results already exists/);
    });
  });

  it('refuses a folder with files of another attempt and leaves it as it was', async () => {
    await withTempDir(async (root) => {
      for (const leftover of ['files', 'testout.temp']) {
        const dir = join(root, leftover);
        await mkdir(dir);
        if (leftover === 'files') await mkdir(join(dir, leftover));
        else await writeFile(join(dir, leftover), 'old output');
        await expect(AttemptRecorder.create(dir)).rejects.toThrow(`${join(dir, leftover)} already exists`);
        expect(await readdir(dir)).toEqual([leftover]);
      }
    });
  });

  it('refuses concurrent consume and use after finish', async () => {
    await withTempDir(async (root) => {
      const recorder = await AttemptRecorder.create(join(root, 'artifacts'));
      const open = new PassThrough();
      const consuming = recorder.consume(open);
      await expect(recorder.consume(new PassThrough())).rejects.toThrow(/another stream/);
      await expect(recorder.finish({ exitCode: 0 })).rejects.toThrow(/being consumed/);
      open.end('exitcode 0\n');
      expect(await consuming).toEqual({ kind: 'exitcode', code: 0 });
      await recorder.finish({ exitCode: 0 });
      await expect(recorder.consume(new PassThrough())).rejects.toThrow(/after finish/);
      await expect(recorder.finish({ exitCode: 0 })).rejects.toThrow(/twice/);
    });
  });

  it('calls onResult for every line written, held results included, and removes the output file at the end', async () => {
    const seen: Array<Record<string, unknown>> = [];
    await withTempDir(async (root) => {
      const attempt = await runAttempt(root, {
        boots: [
          stream(report('{"name": "a", "status": "pass"}'), report('{"name": "b", "partial": true, "status": "error"}'), 'exitcode 0\n'),
        ],
        handlers: { onResult: (result) => seen.push(result) },
      });
      expect(seen).toEqual(attempt.returned);
      expect(seen).toHaveLength(3);
      await expect(readFile(attempt.recorder.outputPath)).rejects.toThrow(/ENOENT/);
    });
  });
});

describe('the executor ending a stream', () => {
  it('destroying the stream after exitcode counts as its end, not as an error', async () => {
    await withTempDir(async (root) => {
      const recorder = await AttemptRecorder.create(join(root, 'artifacts'));
      const pipe = new PassThrough();
      const consuming = recorder.consume(pipe);
      pipe.write('exitcode 5\n');
      await new Promise((resolve) => setTimeout(resolve, 20));
      pipe.destroy();
      expect(await consuming).toEqual({ kind: 'exitcode', code: 5 });
      await recorder.finish({ exitCode: 5 });
      expect(await recorder.readResults()).toEqual([{ status: 'fail', files: ['output.txt'] }]);
    });
  });

  it('destroying it in the middle of a file body is the usual EOF error, keeping the bytes that arrived', async () => {
    await withTempDir(async (root) => {
      const recorder = await AttemptRecorder.create(join(root, 'artifacts'));
      const pipe = new PassThrough();
      const consuming = recorder.consume(pipe);
      pipe.write(stream(report('{"files": [{"name": "big", "length": 100}]}'), 'first'));
      await new Promise((resolve) => setTimeout(resolve, 20));
      pipe.destroy();
      expect(await consuming).toMatchObject({ kind: 'error', message: "EOF when reading data (file 'big': got 5 of 100 bytes)" });
      await recorder.finish({ exitCode: 0 });
      expect(await readFile(join(root, 'artifacts', 'files', 'big'), 'utf8')).toBe('first');
    });
  });
});

describe('which note the fallback gets', () => {
  const cutMidFile = stream(report('{"files": [{"name": "big", "length": 100}]}'), 'partial');
  const timeout = { abort: 'TestAbortedError(test duration timeout reached)' };

  it("a stream cut because the runner killed the test: the runner's reason", async () => {
    await withTempDir(async (root) => {
      const attempt = await runAttempt(root, { boots: [cutMidFile], end: timeout });
      expect(attempt.ends[0]).toMatchObject({ kind: 'error', message: "EOF when reading data (file 'big': got 7 of 100 bytes)" });
      expect(attempt.returned).toEqual([{ status: 'infra', note: timeout.abort, files: ['output.txt'] }]);
    });
  });

  it('a stream cut while the runner saw a normal exit: the stream error', async () => {
    await withTempDir(async (root) => {
      const attempt = await runAttempt(root, { boots: [cutMidFile], end: { exitCode: 0 } });
      expect(attempt.returned).toEqual([
        { status: 'infra', note: "BadControlError(EOF when reading data (file 'big': got 7 of 100 bytes))", files: ['output.txt'] },
      ]);
    });
  });

  it('a protocol violation: the violation, even when the runner passes its own abort note', async () => {
    await withTempDir(async (root) => {
      const attempt = await runAttempt(root, {
        boots: [stream('bogus\n')],
        end: { abort: 'ControlStreamError(unknown control word: bogus)' },
      });
      expect(attempt.returned).toEqual([{ status: 'infra', note: 'BadControlError(unknown control word: bogus)', files: ['output.txt'] }]);
    });
  });
});
