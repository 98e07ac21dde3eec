// Mirrors atex tests/executor/fmf/test_results.py (every test in it: noresult_*,
// trivial_*, subtest_*, files_*, custom_keys, partial_*, testout_*, bad_json,
// empty_json, no_status, empty_files, no_file_data, some_file_data, empty_testout)
// and the infrastructure cases of test_misc.py (output bytes). Every situation
// runs on the local connection; the ones issue 6 lists also run over a real sshd
// and in a real container through the Podman API. Where atex accepts bad input
// silently or crashes (JSON array, negative length, `..` or absolute file names),
// the attempt ends with a clear error that names the problem, keeps what was
// written, and nothing lands outside the artifacts folder.
import { readFile } from 'node:fs/promises';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  attempt,
  openExecutor,
  pathExists,
  processAlive,
  startTransport,
  type Attempt,
  type Transport,
  describeOverEachTransport,
} from './harness';

interface Case {
  results: Array<Record<string, unknown>>;
  /** Exact content of every file under files/ (nothing else may be there). */
  files?: Record<string, Buffer | string>;
  /** The attempt must fail with this error. */
  error?: { name: string; message: RegExp };
}

const bytes = (...values: number[]) => Buffer.from(values);
const timeoutNote = 'TestAbortedError(test duration timeout reached)';
const timeout = { name: 'TestAbortedError', message: /^test duration timeout reached$/ };

const cases: Record<string, Case> = {
  noresult_pass: { results: [{ status: 'pass', files: ['output.txt'] }], files: { 'output.txt': 'passing the script\n' } },
  noresult_fail: { results: [{ status: 'fail', files: ['output.txt'] }], files: { 'output.txt': 'failing the script\n' } },
  noresult_abort: {
    results: [{ status: 'infra', note: timeoutNote, files: ['output.txt'] }],
    files: { 'output.txt': 'sleeping forever-ish\n' },
    error: timeout,
  },
  trivial: { results: [{ status: 'pass' }], files: {} },
  trivial_multiline: { results: [{ status: 'pass' }], files: {} },
  trivial_repeated: { results: [{ status: 'pass' }, { status: 'fail' }] },
  trivial_exit_mismatch: { results: [{ status: 'pass' }] },
  trivial_abort: { results: [{ status: 'pass' }], files: {}, error: timeout },
  subtest: { results: [{ status: 'fail', name: 'subtest' }, { status: 'pass' }] },
  subtest_nested: { results: [{ status: 'fail', name: 'sub/res/ult' }, { status: 'pass' }] },
  subtest_no_status: { results: [{ name: 'subtest' }, { status: 'pass', files: ['output.txt'] }] },
  subtest_testout: {
    results: [{ status: 'fail', name: 'subtest', files: ['out.txt'] }, { status: 'pass' }],
    files: { 'subtest/out.txt': '' },
  },
  files: { results: [{ status: 'pass', files: ['some_file'] }], files: { some_file: bytes(0, 0x10, 0x20, 0x30, 0x40) } },
  files_subpath: { results: [{ status: 'pass', files: ['some/file'] }], files: { 'some/file': bytes(0, 0x10, 0x20, 0x30, 0x40) } },
  files_multiple: {
    results: [{ status: 'pass', files: ['first_file', 'second_file'] }],
    files: { first_file: bytes(0, 0x10), second_file: bytes(0x20, 0x30, 0x40) },
  },
  files_multiple_results: {
    results: [
      { status: 'fail', files: ['first_file'] },
      { status: 'pass', files: ['second_file'] },
    ],
    files: { first_file: bytes(0, 0x10), second_file: bytes(0x20, 0x30, 0x40) },
  },
  files_append: { results: [{ status: 'pass', files: ['one_file'] }], files: { one_file: bytes(0, 0x10, 0x20, 0x30, 0x40) } },
  files_subtest: {
    results: [
      { status: 'pass', name: 'sub/res/ult', files: ['some_file'] },
      { status: 'pass', files: ['output.txt'] },
    ],
    files: { 'sub/res/ult/some_file': bytes(0, 0x10, 0x20, 0x30, 0x40), 'output.txt': '' },
  },
  files_sorted: {
    results: [{ status: 'pass', files: ['file_A', 'file_B', 'file_C'] }],
    files: { file_B: bytes(0, 0x10), file_C: bytes(0x20, 0x30), file_A: bytes(0x40, 0x50) },
  },
  custom_keys: {
    results: [
      {
        status: 'pass',
        custom_string: 'some string',
        custom_number: 123,
        custom_list: [1, 2, 3],
        custom_object: { 'some key': 'some value' },
      },
    ],
  },
  partial: { results: [{ status: 'pass' }], files: {} },
  partial_false: { results: [{ status: 'pass' }], files: {} },
  partial_abrupt: { results: [{ status: 'fail', files: ['output.txt'] }] },
  partial_abrupt_nostatus: { results: [{ status: 'fail', files: ['output.txt'] }] },
  partial_abrupt_files: { results: [{ status: 'pass', files: ['output.txt'] }], files: { 'output.txt': 'custom output' } },
  partial_abrupt_nofiles: {
    results: [{ status: 'pass', files: ['output.txt', 'custom.txt'] }],
    files: { 'custom.txt': 'custom output', 'output.txt': 'stdout output\n' },
  },
  partial_abrupt_fileonly: {
    results: [{ status: 'fail', files: ['output.txt', 'custom.txt'] }],
    files: { 'custom.txt': 'custom output', 'output.txt': 'stdout output\n' },
  },
  partial_abrupt_abort: {
    results: [{ status: 'infra', note: timeoutNote, files: ['output.txt'] }],
    files: { 'output.txt': 'sleeping forever-ish\n' },
    error: timeout,
  },
  partial_merging: { results: [{ status: 'pass', attr1: 'value1', attr2: 'value2' }] },
  partial_deleting: { results: [{ status: 'pass' }] },
  partial_overwriting: {
    results: [
      {
        status: 'pass',
        custom_string: 'second string',
        custom_number: 456,
        custom_list: [1, 2, 3, 4, 5, 6],
        custom_object: { 'first key': 'first value', 'second key': 'second value' },
      },
    ],
  },
  partial_subtests: { results: [{ status: 'pass', name: 'sub1' }, { status: 'pass' }, { status: 'error', name: 'sub2' }] },
  partial_files: {
    results: [{ status: 'pass', files: ['first_file', 'second_file'] }],
    files: { first_file: bytes(0, 0x10), second_file: bytes(0x20, 0x30, 0x40) },
  },
  partial_files_append: { results: [{ status: 'pass', files: ['one_file'] }], files: { one_file: bytes(0, 0x10, 0x20, 0x30, 0x40) } },
  testout: { results: [{ status: 'pass', files: ['here.txt'] }], files: { 'here.txt': 'first line\nsecond line\n' } },
  testout_partial: { results: [{ status: 'pass', files: ['there.txt'] }], files: { 'there.txt': 'some line\n' } },
  testout_multiple: {
    results: [
      { status: 'fail', files: ['here.txt'] },
      { status: 'pass', files: ['there.txt'] },
    ],
    files: { 'here.txt': 'some line\n', 'there.txt': 'some line\n' },
  },
  testout_fallback: { results: [{ status: 'pass', files: ['output.txt'] }], files: { 'output.txt': 'some line\n' } },
  testout_fallback_partial: { results: [{ status: 'fail', files: ['here.txt'] }], files: { 'here.txt': 'some line\n' } },
  empty_json: { results: [{}] },
  no_status: { results: [{ attr1: 'value1' }] },
  empty_files: { results: [{ status: 'pass', files: [] }], files: {} },
  noop: { results: [{ status: 'pass' }], files: {} },
  bad_json: {
    results: [{ status: 'infra', note: expect.stringMatching(/^BadReportJSONError\(JSON decode/), files: ['output.txt'] }],
    error: { name: 'ControlStreamError', message: /JSON decode/ },
  },
  empty_testout: {
    results: [{ status: 'infra', note: "BadReportJSONError('testout' specified, but empty)", files: ['output.txt'] }],
    error: { name: 'ControlStreamError', message: /^'testout' specified, but empty$/ },
  },
  // the wrapper's "exitcode 0" line is read as the promised bytes, as in atex
  no_file_data: {
    results: [{ status: 'pass', files: ['some_file'] }],
    files: { some_file: 'ex' },
    error: { name: 'ControlStreamError', message: /unknown control word/ },
  },
  // not accepted silently (atex: crashes or writes where it should not)
  json_array: {
    results: [{ status: 'infra', note: expect.stringContaining('must be a JSON object'), files: ['output.txt'] }],
    error: { name: 'ControlStreamError', message: /must be a JSON object, got a list/ },
  },
  negative_length: {
    results: [{ status: 'infra', note: expect.stringContaining('length'), files: ['output.txt'] }],
    error: { name: 'ControlStreamError', message: /some_file length: must be a non-negative integer, got -1/ },
  },
  escaping_file_name: {
    results: [{ status: 'pass', files: ['kept'] }],
    files: { kept: 'ok' },
    error: { name: 'ControlStreamError', message: /'\.\.\/escaped' contains '\.\.'/ },
  },
  absolute_file_name: {
    results: [{ status: 'infra', note: expect.stringContaining('absolute path'), files: ['output.txt'] }],
    error: { name: 'ControlStreamError', message: /'\/tmp\/testyard-absolute' is an absolute path/ },
  },
  oversized_line: {
    results: [{ status: 'pass' }],
    files: {},
    error: { name: 'ControlStreamError', message: /control line longer than 4096 bytes/ },
  },
  unknown_word: {
    results: [{ status: 'infra', note: 'BadControlError(unknown control word: frobnicate)', files: ['output.txt'] }],
    error: { name: 'ControlStreamError', message: /unknown control word: frobnicate/ },
  },
  duration_extended: { results: [{ status: 'pass', files: ['output.txt'] }], files: { 'output.txt': 'survived\n' } },
  duration_set: { results: [{ status: 'pass', files: ['output.txt'] }], files: { 'output.txt': 'survived\n' } },
  // save/restore: the hour set in between does not count, the 3 s saved before it do
  duration_saved: { results: [{ status: 'infra', note: timeoutNote, files: ['output.txt'] }], files: { 'output.txt': '' }, error: timeout },
};

/** What issue 6 asks to see over real SSH and in a real container. */
const onEveryTransport = [
  'noresult_pass',
  'noresult_fail',
  'trivial_repeated',
  'subtest',
  'files_subtest',
  'files_upload',
  'partial_merging',
  'partial_abrupt_nofiles',
  'testout',
  'noresult_abort',
  'duration_extended',
  'duration_saved',
  'bad_json',
  'oversized_line',
  'escaping_file_name',
];

async function check(result: Attempt, expected: Case): Promise<void> {
  if (expected.error) {
    expect(result.error?.name).toBe(expected.error.name);
    expect(result.error?.message).toMatch(expected.error.message);
  } else {
    expect(result.error).toBeUndefined();
  }
  expect(result.results).toEqual(expected.results);
  expect(result.resultsText.endsWith('\n')).toBe(true);
  if (expected.files) {
    expect(result.files).toEqual(Object.keys(expected.files).sort());
    for (const [name, content] of Object.entries(expected.files)) {
      expect(await result.file(name)).toEqual(Buffer.from(content));
    }
  }
}

describeOverEachTransport('results', 'results', ({ transportName, remote }) => {
  const names = transportName === 'local' ? Object.keys(cases) : onEveryTransport.filter((name) => name in cases);
  it.each(names)('%s', async (name) => {
    await check(await attempt(remote().executor, `/${name}`), cases[name]!);
  });

  it('files_upload: a binary file sent with cat arrives byte for byte', async () => {
    const result = await attempt(remote().executor, '/files_upload');
    expect(result.results).toEqual([{ status: 'pass', files: ['rand_file'] }]);
    expect(await result.file('rand_file')).toEqual(await readFile(new URL('../fixtures/exec/results/randfile', import.meta.url)));
  });

  it('nothing is written outside the artifacts folder for ../ and absolute names', async () => {
    const escaping = await attempt(remote().executor, '/escaping_file_name');
    expect(await pathExists(`${escaping.artifactsDir}/escaped`)).toBe(false);
    expect(await pathExists(`${escaping.artifactsDir}/../escaped`)).toBe(false);
    await attempt(remote().executor, '/absolute_file_name');
    expect(await pathExists('/tmp/testyard-absolute')).toBe(false);
  });
  /** The sleeper's pid as the test recorded it, checked where the test ran. */
  async function sleeperAlive(runId: string): Promise<boolean> {
    const { runCommand } = await import('../../lib/engine/connection/run');
    const probe = await runCommand(remote().connection, [
      'bash',
      '-c',
      `pid=$(cat /tmp/testyard-background-${runId}); rm -f /tmp/testyard-background-${runId}; [[ -d /proc/$pid ]] && ! grep -q '^[0-9]* ([^)]*) Z' /proc/$pid/stat`,
    ]);
    return probe.status.kind === 'exited' && probe.status.code === 0;
  }

  it.each(['background_process', 'background_after_timeout'])('%s: nothing the test started outlives the attempt', async (name) => {
    const runId = `${transportName}-${name}-${process.pid}`;
    const result = await attempt(remote().executor, `/${name}`, { environment: { TESTYARD_RUN_ID: runId } });
    if (name === 'background_after_timeout') expect(result.error?.message).toBe('test duration timeout reached');
    else expect(result.error).toBeUndefined();
    expect(await sleeperAlive(runId)).toBe(false);
    if (transportName === 'local') expect(await processAlive(process.pid)).toBe(true);
  });
});

describe('results: runner-side endings (local)', () => {
  let transport: Transport;
  beforeAll(async () => {
    transport = await startTransport('local');
  });

  it('missing exitcode: a wrapper that exits 0 without it is an infrastructure failure', async () => {
    const remote = await openExecutor(transport, 'results', { wrapperWritesExitCode: false });
    try {
      const result = await attempt(remote.executor, '/noresult_pass');
      expect(result.error?.name).toBe('TestAbortedError');
      expect(result.error?.message).toBe('exitcode not reported, wrapper bug?');
      expect(result.results).toEqual([
        { status: 'infra', note: 'TestAbortedError(exitcode not reported, wrapper bug?)', files: ['output.txt'] },
      ]);
      expect((await result.file('output.txt')).toString()).toBe('passing the script\n');
    } finally {
      await remote.close();
    }
  });

  it.each(['no_file_data', 'some_file_data'])('%s: the stream ends inside promised file data', async (name) => {
    const remote = await openExecutor(transport, 'results', { wrapperWritesExitCode: false });
    try {
      const result = await attempt(remote.executor, `/${name}`);
      expect(result.error?.name).toBe('ControlStreamError');
      expect(result.error?.message).toMatch(/EOF/);
      expect(result.results).toEqual([
        { status: 'infra', note: expect.stringMatching(/^BadControlError\(EOF when reading data/), files: ['output.txt'] },
      ]);
    } finally {
      await remote.close();
    }
  });
});
