import { createHash } from 'node:crypto';
import type { AttemptEnd, StreamEnd } from '../../lib/engine/control/index';
import { bytes, report, stream } from './support';

/**
 * atex's executor tests (tests/executor/fmf/ in RHSecurityCompliance/atex)
 * that are about the control stream and the artifacts, restated as streams:
 * each scenario is what that atex test's fmf test writes to the control fd
 * (with the wrapper's `exitcode` line) and prints, and what atex writes.
 *
 * Where atex is well-behaved, `results` is the exact bytes atex writes
 * (Python's json.dumps). Where atex raises, the fallback note is matched by
 * pattern, since our messages name the problem more precisely.
 */
export interface AtexScenario {
  atexTest: string;
  boots: Buffer[];
  output?: string | Buffer;
  end?: AttemptEnd;
  results: string | RegExp;
  files: Record<string, string>;
  streamEnds?: Array<StreamEnd['kind']>;
}

const exit = (code: number) => `exitcode ${code}\n`;
const durationTimeout: AttemptEnd = { abort: 'TestAbortedError(test duration timeout reached)' };
const latin1 = (data: Buffer) => data.toString('latin1');

/** Stands in for atex's fmf_trees/results/randfile (256 random bytes); deterministic here. */
export const randomFile = Buffer.concat(Array.from({ length: 8 }, (_, index) => createHash('sha256').update(`randfile ${index}`).digest()));

export const atexScenarios: AtexScenario[] = [
  // test_results.py: fallback result
  {
    atexTest: 'test_results.py::test_noresult_pass',
    boots: [stream(exit(0))],
    output: 'passing the script\n',
    results: '{"status": "pass", "files": ["output.txt"]}\n',
    files: { 'output.txt': 'passing the script\n' },
  },
  {
    atexTest: 'test_results.py::test_noresult_fail',
    boots: [stream(exit(1))],
    output: 'failing the script\n',
    results: '{"status": "fail", "files": ["output.txt"]}\n',
    files: { 'output.txt': 'failing the script\n' },
  },
  {
    atexTest: 'test_results.py::test_noresult_abort',
    boots: [stream()],
    output: 'sleeping forever-ish\n',
    end: durationTimeout,
    results: '{"status": "infra", "note": "TestAbortedError(test duration timeout reached)", "files": ["output.txt"]}\n',
    files: { 'output.txt': 'sleeping forever-ish\n' },
    streamEnds: ['eof'],
  },
  // test_results.py: trivial results
  {
    atexTest: 'test_results.py::test_trivial',
    boots: [stream(report('{"status": "pass"}'), exit(0))],
    results: '{"status": "pass"}\n',
    files: {},
  },
  {
    atexTest: 'test_results.py::test_trivial_multiline',
    boots: [stream(report('{\n  "status": "pass"\n}'), exit(0))],
    results: '{"status": "pass"}\n',
    files: {},
  },
  {
    atexTest: 'test_results.py::test_trivial_repeated',
    boots: [stream(report('{"status": "pass"}'), report('{"status": "fail"}'), exit(0))],
    results: '{"status": "pass"}\n{"status": "fail"}\n',
    files: {},
  },
  {
    atexTest: 'test_results.py::test_trivial_exit_mismatch',
    boots: [stream(report('{"status": "pass"}'), exit(1))],
    results: '{"status": "pass"}\n',
    files: {},
  },
  {
    atexTest: 'test_results.py::test_trivial_abort',
    boots: [stream(report('{"status": "pass"}'))],
    output: 'sleeping forever-ish\n',
    end: durationTimeout,
    results: '{"status": "pass"}\n',
    files: {},
  },
  // test_results.py: sub-results
  {
    atexTest: 'test_results.py::test_subtest',
    boots: [stream(report('{"status": "fail", "name": "subtest"}'), report('{"status": "pass"}'), exit(0))],
    results: '{"status": "fail", "name": "subtest"}\n{"status": "pass"}\n',
    files: {},
  },
  {
    atexTest: 'test_results.py::test_subtest_nested',
    boots: [stream(report('{"status": "fail", "name": "sub/res/ult"}'), report('{"status": "pass"}'), exit(0))],
    results: '{"status": "fail", "name": "sub/res/ult"}\n{"status": "pass"}\n',
    files: {},
  },
  {
    atexTest: 'test_results.py::test_subtest_no_status',
    boots: [stream(report('{"name": "subtest"}'), exit(0))],
    results: '{"name": "subtest"}\n{"status": "pass", "files": ["output.txt"]}\n',
    files: { 'output.txt': '' },
  },
  {
    atexTest: 'test_results.py::test_subtest_testout',
    boots: [stream(report('{"status": "fail", "name": "subtest", "testout": "out.txt"}'), report('{"status": "pass"}'), exit(0))],
    results: '{"status": "fail", "name": "subtest", "files": ["out.txt"]}\n{"status": "pass"}\n',
    files: { 'subtest/out.txt': '' },
  },
  // test_results.py: files
  {
    atexTest: 'test_results.py::test_files',
    boots: [
      stream(report('{"status": "pass", "files": [{"name": "some_file", "length": 5}]}'), bytes(0x00, 0x10, 0x20, 0x30, 0x40), exit(0)),
    ],
    results: '{"status": "pass", "files": ["some_file"]}\n',
    files: { some_file: '\x00\x10\x20\x30\x40' },
  },
  {
    atexTest: 'test_results.py::test_files_upload',
    boots: [stream(report(`{"status": "pass", "files": [{"name": "rand_file", "length": ${randomFile.length}}] }`), randomFile, exit(0))],
    results: '{"status": "pass", "files": ["rand_file"]}\n',
    files: { rand_file: latin1(randomFile) },
  },
  {
    atexTest: 'test_results.py::test_files_subpath',
    boots: [
      stream(report('{"status": "pass", "files": [{"name": "some/file", "length": 5}] }'), bytes(0x00, 0x10, 0x20, 0x30, 0x40), exit(0)),
    ],
    results: '{"status": "pass", "files": ["some/file"]}\n',
    files: { 'some/file': '\x00\x10\x20\x30\x40' },
  },
  {
    atexTest: 'test_results.py::test_files_multiple',
    boots: [
      stream(
        report(
          '{\n  "status": "pass",\n  "files": [\n    {"name": "first_file", "length": 2},\n    {"name": "second_file", "length": 3}\n  ]\n}',
        ),
        bytes(0x00, 0x10, 0x20, 0x30, 0x40),
        exit(0),
      ),
    ],
    results: '{"status": "pass", "files": ["first_file", "second_file"]}\n',
    files: { first_file: '\x00\x10', second_file: '\x20\x30\x40' },
  },
  {
    atexTest: 'test_results.py::test_files_multiple_results',
    boots: [
      stream(
        report('{"status": "fail", "files": [{"name": "first_file", "length": 2}] }'),
        bytes(0x00, 0x10),
        report('{"status": "pass", "files": [{"name": "second_file", "length": 3}] }'),
        bytes(0x20, 0x30, 0x40),
        exit(0),
      ),
    ],
    results: '{"status": "fail", "files": ["first_file"]}\n{"status": "pass", "files": ["second_file"]}\n',
    files: { first_file: '\x00\x10', second_file: '\x20\x30\x40' },
  },
  {
    atexTest: 'test_results.py::test_files_append',
    boots: [
      stream(
        report(
          '{\n  "status": "pass",\n  "files": [\n    {"name": "one_file", "length": 2},\n    {"name": "one_file", "length": 3}\n  ]\n}',
        ),
        bytes(0x00, 0x10, 0x20, 0x30, 0x40),
        exit(0),
      ),
    ],
    results: '{"status": "pass", "files": ["one_file"]}\n',
    files: { one_file: '\x00\x10\x20\x30\x40' },
  },
  {
    atexTest: 'test_results.py::test_files_subtest',
    boots: [
      stream(
        report('{\n  "status": "pass",\n  "name": "sub/res/ult",\n  "files": [{"name": "some_file", "length": 5}]\n}'),
        bytes(0x00, 0x10, 0x20, 0x30, 0x40),
        exit(0),
      ),
    ],
    results: '{"status": "pass", "name": "sub/res/ult", "files": ["some_file"]}\n{"status": "pass", "files": ["output.txt"]}\n',
    files: { 'sub/res/ult/some_file': '\x00\x10\x20\x30\x40', 'output.txt': '' },
  },
  {
    atexTest: 'test_results.py::test_files_sorted',
    boots: [
      stream(
        report(
          '{\n  "status": "pass",\n  "files": [\n    {"name": "file_B", "length": 2},\n    {"name": "file_C", "length": 2},\n    {"name": "file_A", "length": 2}\n  ]\n}',
        ),
        bytes(0x00, 0x10, 0x20, 0x30, 0x40, 0x50),
        exit(0),
      ),
    ],
    results: '{"status": "pass", "files": ["file_A", "file_B", "file_C"]}\n',
    files: { file_B: '\x00\x10', file_C: '\x20\x30', file_A: '\x40\x50' },
  },
  // test_results.py: custom keys
  {
    atexTest: 'test_results.py::test_custom_keys',
    boots: [
      stream(
        report(
          '{\n  "status": "pass",\n  "custom_string": "some string",\n  "custom_number": 123,\n  "custom_list": [1, 2, 3],\n  "custom_object": {\n    "some key": "some value"\n  }\n}',
        ),
        exit(0),
      ),
    ],
    results:
      '{"status": "pass", "custom_string": "some string", "custom_number": 123, "custom_list": [1, 2, 3], "custom_object": {"some key": "some value"}}\n',
    files: {},
  },
  // test_results.py: partial results
  {
    atexTest: 'test_results.py::test_partial',
    boots: [stream(report('{"status": "fail", "partial": true}'), report('{"status": "pass"}'), exit(0))],
    results: '{"status": "pass"}\n',
    files: {},
  },
  {
    atexTest: 'test_results.py::test_partial_false',
    boots: [stream(report('{"status": "fail", "partial": true}'), report('{"status": "pass", "partial": false}'), exit(0))],
    results: '{"status": "pass"}\n',
    files: {},
  },
  {
    atexTest: 'test_results.py::test_partial_abrupt',
    boots: [stream(report('{"status": "fail", "partial": true}'), exit(0))],
    results: '{"status": "fail", "files": ["output.txt"]}\n',
    files: { 'output.txt': '' },
  },
  {
    atexTest: 'test_results.py::test_partial_abrupt_nostatus',
    boots: [stream(report('{"partial": true}'), exit(1))],
    results: '{"status": "fail", "files": ["output.txt"]}\n',
    files: { 'output.txt': '' },
  },
  {
    atexTest: 'test_results.py::test_partial_abrupt_files',
    boots: [
      stream(report('{"status": "pass", "partial": true, "files": [{"name": "output.txt", "length": 13}]}'), 'custom output', exit(1)),
    ],
    output: 'stdout output\n',
    results: '{"status": "pass", "files": ["output.txt"]}\n',
    files: { 'output.txt': 'custom output' },
  },
  {
    atexTest: 'test_results.py::test_partial_abrupt_nofiles',
    boots: [
      stream(report('{"status": "pass", "partial": true, "files": [{"name": "custom.txt", "length": 13}]}'), 'custom output', exit(1)),
    ],
    output: 'stdout output\n',
    results: '{"status": "pass", "files": ["output.txt", "custom.txt"]}\n',
    files: { 'custom.txt': 'custom output', 'output.txt': 'stdout output\n' },
  },
  {
    atexTest: 'test_results.py::test_partial_abrupt_fileonly',
    boots: [stream(report('{"partial": true, "files": [{"name": "custom.txt", "length": 13}]}'), 'custom output', exit(1))],
    output: 'stdout output\n',
    results: '{"files": ["output.txt", "custom.txt"], "status": "fail"}\n',
    files: { 'custom.txt': 'custom output', 'output.txt': 'stdout output\n' },
  },
  {
    atexTest: 'test_results.py::test_partial_abrupt_abort',
    boots: [stream(report('{"status": "pass", "partial": true}'))],
    output: 'sleeping forever-ish\n',
    end: durationTimeout,
    results: '{"status": "infra", "note": "TestAbortedError(test duration timeout reached)", "files": ["output.txt"]}\n',
    files: { 'output.txt': 'sleeping forever-ish\n' },
  },
  {
    atexTest: 'test_results.py::test_partial_merging',
    boots: [
      stream(
        report('{"status": "fail", "partial": true, "attr1": "value1"}'),
        report('{"status": "error", "partial": true, "attr2": "value2"}'),
        report('{"status": "pass"}'),
        exit(0),
      ),
    ],
    results: '{"status": "pass", "attr1": "value1", "attr2": "value2"}\n',
    files: {},
  },
  {
    atexTest: 'test_results.py::test_partial_deleting',
    boots: [stream(report('{"status": "fail", "partial": true, "attr1": "value1"}'), report('{"status": "pass", "attr1": null}'), exit(0))],
    results: '{"status": "pass"}\n',
    files: {},
  },
  {
    atexTest: 'test_results.py::test_partial_overwriting',
    boots: [
      stream(
        report(
          '{\n  "status": "fail",\n  "custom_string": "first string",\n  "custom_number": 123,\n  "custom_list": [1, 2, 3],\n  "custom_object": {\n    "first key": "first value"\n  },\n  "partial": true\n}',
        ),
        report(
          '{\n  "status": "pass",\n  "custom_string": "second string",\n  "custom_number": 456,\n  "custom_list": [4, 5, 6],\n  "custom_object": {\n    "second key": "second value"\n  }\n}',
        ),
        exit(0),
      ),
    ],
    results:
      '{"status": "pass", "custom_string": "second string", "custom_number": 456, "custom_list": [1, 2, 3, 4, 5, 6], "custom_object": {"first key": "first value", "second key": "second value"}}\n',
    files: {},
  },
  {
    atexTest: 'test_results.py::test_partial_subtests',
    boots: [
      stream(
        report('{"status": "fail", "name": "sub1", "partial": true}'),
        report('{"status": "error", "name": "sub2", "partial": true}'),
        report('{"status": "pass", "name": "sub1"}'),
        report('{"status": "pass"}'),
        exit(0),
      ),
    ],
    results: '{"status": "pass", "name": "sub1"}\n{"status": "pass"}\n{"status": "error", "name": "sub2"}\n',
    files: {},
  },
  {
    atexTest: 'test_results.py::test_partial_files',
    boots: [
      stream(
        report('{\n  "status": "fail",\n  "partial": true,\n  "files": [{"name": "first_file", "length": 2}]\n}'),
        bytes(0x00, 0x10),
        report('{\n  "status": "pass",\n  "files": [{"name": "second_file", "length": 3}]\n}'),
        bytes(0x20, 0x30, 0x40),
        exit(0),
      ),
    ],
    results: '{"status": "pass", "files": ["first_file", "second_file"]}\n',
    files: { first_file: '\x00\x10', second_file: '\x20\x30\x40' },
  },
  {
    atexTest: 'test_results.py::test_partial_files_append',
    boots: [
      stream(
        report('{\n  "status": "fail",\n  "partial": true,\n  "files": [{"name": "one_file", "length": 2}]\n}'),
        bytes(0x00, 0x10),
        report('{\n  "status": "pass",\n  "files": [{"name": "one_file", "length": 3}]\n}'),
        bytes(0x20, 0x30, 0x40),
        exit(0),
      ),
    ],
    results: '{"status": "pass", "files": ["one_file"]}\n',
    files: { one_file: '\x00\x10\x20\x30\x40' },
  },
  // test_results.py: testout
  {
    atexTest: 'test_results.py::test_testout',
    boots: [stream(report('{"status": "pass", "testout": "here.txt"}'), exit(0))],
    output: 'first line\nsecond line\n',
    results: '{"status": "pass", "files": ["here.txt"]}\n',
    files: { 'here.txt': 'first line\nsecond line\n' },
  },
  {
    atexTest: 'test_results.py::test_testout_partial',
    boots: [
      stream(
        report('{"status": "fail", "testout": "here.txt", "partial": true}'),
        report('{"status": "pass", "testout": "there.txt"}'),
        exit(0),
      ),
    ],
    output: 'some line\n',
    results: '{"status": "pass", "files": ["there.txt"]}\n',
    files: { 'there.txt': 'some line\n' },
  },
  {
    atexTest: 'test_results.py::test_testout_multiple',
    boots: [stream(report('{"status": "fail", "testout": "here.txt"}'), report('{"status": "pass", "testout": "there.txt"}'), exit(0))],
    output: 'some line\n',
    results: '{"status": "fail", "files": ["here.txt"]}\n{"status": "pass", "files": ["there.txt"]}\n',
    files: { 'here.txt': 'some line\n', 'there.txt': 'some line\n' },
  },
  {
    atexTest: 'test_results.py::test_testout_fallback',
    boots: [stream(exit(0))],
    output: 'some line\n',
    results: '{"status": "pass", "files": ["output.txt"]}\n',
    files: { 'output.txt': 'some line\n' },
  },
  {
    atexTest: 'test_results.py::test_testout_fallback_partial',
    boots: [stream(report('{"testout": "here.txt", "partial": true}'), exit(1))],
    output: 'some line\n',
    results: '{"status": "fail", "files": ["here.txt"]}\n',
    files: { 'here.txt': 'some line\n' },
  },
  // test_results.py: corner cases and errors
  {
    atexTest: 'test_results.py::test_bad_json',
    boots: [stream(report('{"key_without_value": '), exit(0))],
    results:
      /^\{"status": "infra", "note": "BadReportJSONError\(JSON decode: expecting a value, got end of input at character 22\)", "files": \["output.txt"\]\}\n$/,
    files: { 'output.txt': '' },
    streamEnds: ['error'],
  },
  {
    atexTest: 'test_results.py::test_empty_json',
    boots: [stream(report('{}'), exit(0))],
    results: '{}\n',
    files: {},
  },
  {
    atexTest: 'test_results.py::test_no_status',
    boots: [stream(report('{"attr1": "value1"}'), exit(0))],
    results: '{"attr1": "value1"}\n',
    files: {},
  },
  {
    atexTest: 'test_results.py::test_empty_files',
    boots: [stream(report('{"status": "pass", "files": []}'), exit(0))],
    results: '{"status": "pass", "files": []}\n',
    files: {},
  },
  {
    // ATEX_DEBUG_NO_EXITCODE=1: the wrapper writes no exitcode, so the stream just ends.
    atexTest: 'test_results.py::test_no_file_data',
    boots: [stream(report('{"status": "pass", "files": [{"name": "some_file", "length": 2}]}'))],
    results:
      /^\{"status": "infra", "note": "BadControlError\(EOF when reading data \(file 'some_file': got 0 of 2 bytes\)\)", "files": \["output.txt"\]\}\n$/,
    files: { some_file: '', 'output.txt': '' },
    streamEnds: ['error'],
  },
  {
    atexTest: 'test_results.py::test_some_file_data',
    boots: [stream(report('{"status": "pass", "files": [{"name": "some_file", "length": 3}]}'), bytes(0x00, 0x10))],
    results:
      /^\{"status": "infra", "note": "BadControlError\(EOF when reading data \(file 'some_file': got 2 of 3 bytes\)\)", "files": \["output.txt"\]\}\n$/,
    files: { some_file: '\x00\x10', 'output.txt': '' },
    streamEnds: ['error'],
  },
  {
    atexTest: 'test_results.py::test_empty_testout',
    boots: [stream(report('{"status": "pass", "testout": ""}'), exit(0))],
    results: `{"status": "infra", "note": "BadReportJSONError('testout' specified, but empty)", "files": ["output.txt"]}\n`,
    files: { 'output.txt': '' },
    streamEnds: ['error'],
  },
  // test_reboot.py: `disconnect`, then the test restarts with a new control stream
  {
    atexTest: 'test_reboot.py::test_reboot',
    boots: [stream('disconnect\n', 'noop\n', 'noop\n'), stream(exit(0))],
    output: 'disconnecting\nrebooted\n',
    results: '{"status": "pass", "files": ["output.txt"]}\n',
    files: { 'output.txt': 'disconnecting\nrebooted\n' },
    streamEnds: ['disconnect', 'exitcode'],
  },
  {
    atexTest: 'test_reboot.py::test_reboot_count',
    boots: [stream('disconnect\n', 'noop\n'), stream('disconnect\n', 'noop\n', 'noop\n'), stream(exit(0))],
    output: 'first boot\nsecond boot\nthird boot\n',
    results: '{"status": "pass", "files": ["output.txt"]}\n',
    files: { 'output.txt': 'first boot\nsecond boot\nthird boot\n' },
    streamEnds: ['disconnect', 'disconnect', 'exitcode'],
  },
  {
    // The connection drops without `disconnect`: the stream ends without exitcode and the executor aborts.
    atexTest: 'test_reboot.py::test_reboot_unexpected',
    boots: [stream()],
    end: { abort: 'TestAbortedError(test wrapper unexpectedly exited with 255 and disconnect was not sent via test control)' },
    results:
      '{"status": "infra", "note": "TestAbortedError(test wrapper unexpectedly exited with 255 and disconnect was not sent via test control)", "files": ["output.txt"]}\n',
    files: { 'output.txt': '' },
    streamEnds: ['eof'],
  },
  // test_misc.py
  {
    atexTest: 'test_misc.py::test_output',
    boots: [stream(exit(0))],
    output: Buffer.from('test output \x00\x01\x02\x03', 'latin1'),
    results: '{"status": "pass", "files": ["output.txt"]}\n',
    files: { 'output.txt': 'test output \x00\x01\x02\x03' },
  },
  {
    atexTest: 'test_misc.py::test_cancel',
    boots: [stream()],
    end: { abort: 'TestAbortedError(cancel requested)' },
    results: '{"status": "infra", "note": "TestAbortedError(cancel requested)", "files": ["output.txt"]}\n',
    files: { 'output.txt': '' },
  },
];
