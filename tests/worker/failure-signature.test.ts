import { describe, expect, it } from 'vitest';
import {
  collectEvidence,
  explainSignature,
  failureSignature,
  maxLineLength,
  maxOutputLines,
  normaliseLine,
  parseEvidence,
} from '../../lib/engine/results/failure-signature';

describe('normaliseLine', () => {
  it.each([
    ['timestamp', 'started 2026-12-01T03:02:44.123Z, done', 'started <TIME>, done'],
    ['timestamp', 'at 2026-12-01 03:02:44+01:00 it broke', 'at <TIME> it broke'],
    ['timestamp', 'Tue, 1 Dec 2026 and 12:30:01.5', '<TIME> and <TIME>'],
    ['uuid', 'container 0b5e7f0c-1d2a-4c3b-9e8f-aabbccddeeff gone', 'container <UUID> gone'],
    ['ip', 'connect to 192.168.151.20:22 refused', 'connect to <IP> refused'],
    ['ip', 'no route to fe80::1ff:fe23:4567:890a', 'no route to <IP>'],
    ['hex', 'segfault at 0x7ffd5e2c in libc', 'segfault at <HEX> in libc'],
    ['hex', 'commit deadbeef12 is bad', 'commit <HEX> is bad'],
    ['path', 'cannot open /var/tmp/run-x/data.txt: no such file', 'cannot open <PATH>: no such file'],
    ['path', 'see ./build/out.log', 'see <PATH>'],
    ['number', 'expected 3 got 42.5', 'expected <N> got <N>'],
    ['whitespace', 'a   b\tc', 'a b c'],
  ] as const)('%s: %s', (kind, line, expected) => {
    const { normalised, applied } = normaliseLine(line);
    expect(normalised).toBe(expected);
    expect(applied.map((item) => item.kind)).toContain(kind);
  });

  it('leaves words with no variable parts alone and reports nothing applied', () => {
    expect(normaliseLine('AssertionError: values differ')).toEqual({ normalised: 'AssertionError: values differ', applied: [] });
  });

  it('counts the places each normalisation replaced', () => {
    expect(normaliseLine('1 and 2 and 3').applied).toEqual([{ kind: 'number', count: 3 }]);
  });

  it('does not cut a UUID or a timestamp apart into numbers', () => {
    const { applied } = normaliseLine('2026-12-01T00:00:00Z 0b5e7f0c-1d2a-4c3b-9e8f-aabbccddeeff');
    expect(applied.map((item) => item.kind)).toEqual(['timestamp', 'uuid']);
  });
});

describe('collectEvidence', () => {
  const output = [
    'setting up',
    '\x1b[31mERROR: first problem\x1b[0m',
    'ok',
    ...Array.from({ length: 8 }, (_, index) => `assert failed #${index}`),
    'cleaning up',
  ].join('\n');

  it('takes the note, the exception and the last error-looking lines of the output, without terminal escapes', () => {
    const evidence = collectEvidence({ status: 'fail', note: 'check failed', exception: 'timeout', outputTail: output });
    expect(evidence.lines[0]).toEqual({ source: 'note', text: 'check failed' });
    expect(evidence.lines[1]).toEqual({ source: 'exception', text: 'timeout' });
    const fromOutput = evidence.lines.filter((line) => line.source === 'output');
    expect(fromOutput).toHaveLength(maxOutputLines);
    expect(fromOutput.at(-1)!.text).toBe('assert failed #7');
    expect(fromOutput.some((line) => line.text.includes('cleaning'))).toBe(false);
  });

  it('strips escapes from the lines it keeps', () => {
    const evidence = collectEvidence({ status: 'fail', note: null, exception: null, outputTail: '\x1b[31mERROR: boom\x1b[0m\n' });
    expect(evidence.lines).toEqual([{ source: 'output', text: 'ERROR: boom' }]);
  });

  it('cuts long lines', () => {
    const evidence = collectEvidence({ status: 'fail', note: `error ${'x'.repeat(5000)}`, exception: null, outputTail: '' });
    expect(evidence.lines[0]!.text).toHaveLength(maxLineLength);
  });
});

describe('failureSignature', () => {
  const failure = (run: number, path: string, assertion: string) =>
    collectEvidence({
      status: 'fail',
      note: `test ${run} failed after ${run * 7} s`,
      exception: null,
      outputTail: [
        `[2026-12-0${run}T10:0${run}:00Z] starting worker pid ${1000 + run} on 10.0.0.${run}`,
        `Traceback (most recent call last):`,
        `  File "${path}/test_x.py", line ${40 + run}, in test_x`,
        `AssertionError: ${assertion}`,
        `object at 0x7f${run}a3b2c1d0 session ${run}b5e7f0c-1d2a-4c3b-9e8f-aabbccddeeff failed`,
      ].join('\n'),
    });

  it('is the same for the same failure with different numbers, paths, times, addresses and ids', () => {
    const first = failureSignature(failure(1, '/tmp/run-1/tests', 'expected 1 == 2'));
    const second = failureSignature(failure(2, '/var/lib/other/place', 'expected 5 == 9'));
    expect(second).toBe(first);
    expect(first).toMatch(/^[0-9a-f]{16}$/);
  });

  it('differs for a different assertion', () => {
    expect(failureSignature(failure(1, '/tmp/a/b', 'expected 1 == 2'))).not.toBe(
      failureSignature(failure(1, '/tmp/a/b', 'values are not sorted')),
    );
  });

  it('differs for a different status with the same evidence', () => {
    const evidence = failure(1, '/tmp/a/b', 'x');
    expect(failureSignature(evidence)).not.toBe(failureSignature({ ...evidence, status: 'error' }));
  });

  it('gives failures without any evidence one signature per status', () => {
    const none = (status: string) => failureSignature(collectEvidence({ status, note: null, exception: null, outputTail: 'all fine\n' }));
    expect(none('fail')).toBe(none('fail'));
    expect(none('fail')).not.toBe(none('error'));
  });

  it('explains which lines went in and what was replaced, and survives a JSON round trip', () => {
    const evidence = failure(3, '/srv/x/y', 'expected 1 == 2');
    const explanation = explainSignature(parseEvidence(JSON.parse(JSON.stringify(evidence)))!);
    expect(explanation.signature).toBe(failureSignature(evidence));
    const assertion = explanation.lines.find((line) => line.text.startsWith('AssertionError'))!;
    expect(assertion.normalised).toBe('AssertionError: expected <N> == <N>');
    expect(assertion.applied).toEqual([{ kind: 'number', count: 2 }]);
  });

  it('reads malformed stored evidence as none', () => {
    expect(parseEvidence(null)).toBeNull();
    expect(parseEvidence({ status: 'fail', lines: [{ source: 'shell', text: 'x' }] })).toBeNull();
    expect(parseEvidence({ status: 1, lines: [] })).toBeNull();
  });
});
