/**
 * The Python-compatible JSON round trip (what makes `results` lines match
 * atex byte for byte) and the fmf duration parser. Expected strings are
 * Python 3's `json.dumps(json.loads(input))`.
 */
import { describe, expect, it } from 'vitest';
import { compareCodePoints, parseJson, serializeJson } from '../../lib/engine/control/json';
import { parseFmfDuration } from '../../lib/engine/fmf/duration';
import { pyFloatRepr } from '../../lib/engine/python/float-repr';

const roundTrip = (text: string) => serializeJson(parseJson(Buffer.from(text)));

describe('JSON like Python json.loads / json.dumps', () => {
  it.each([
    ['key order, integer-like keys included', '{"b": 1, "a": 2, "2": 3, "1": 4}', '{"b": 1, "a": 2, "2": 3, "1": 4}'],
    ['__proto__ is an ordinary key', '{"__proto__": {"x": 1}, "constructor": 2}', '{"__proto__": {"x": 1}, "constructor": 2}'],
    [
      'floats as Python repr',
      '[1.0, -0.0, 0.0, 1e16, 1e15, 123456789.123, 1e-05, 0.0001, 1.5e300, 2.5E-7, 100.5e2, -1.25, 5e-324, 1.7976931348623157e308]',
      '[1.0, -0.0, 0.0, 1e+16, 1000000000000000.0, 123456789.123, 1e-05, 0.0001, 1.5e+300, 2.5e-07, 10050.0, -1.25, 5e-324, 1.7976931348623157e+308]',
    ],
    ['integers keep every digit', '[12345678901234567890123, -0, 0, -17]', '[12345678901234567890123, 0, 0, -17]'],
    [
      'strings escaped to ASCII',
      '["é", "\\u00e9", "😀", "\\ud83d", "\\u007f", "\\u001f", "tab\\there", "q\\"b\\\\s\\/", "\\b\\f\\n\\r"]',
      '["\\u00e9", "\\u00e9", "\\ud83d\\ude00", "\\ud83d", "\\u007f", "\\u001f", "tab\\there", "q\\"b\\\\s/", "\\b\\f\\n\\r"]',
    ],
    ['duplicate key: first position, last value', '{"dup": 1, "x": 2, "dup": 3}', '{"dup": 3, "x": 2}'],
    ['JSON whitespace', ' \t\n\r{ "a" : [ ] , "b" : { } }\r\n', '{"a": [], "b": {}}'],
    ['literals', '[true, false, null]', '[true, false, null]'],
    ['UTF-8 byte order mark is skipped', '\ufeff{"a": 1}', '{"a": 1}'],
  ])('%s', (_label, input, expected) => {
    expect(roundTrip(input)).toBe(expected);
  });

  it.each([
    ['{"a": 1,}', /expecting a property name/],
    ['[1,]', /expecting a value/],
    ['01', /extra data/],
    ['1.', /extra data/],
    ['.5', /expecting a value/],
    ['"\t"', /invalid control character/],
    ['"\\x"', /invalid \\escape/],
    ['"\\u12"', /invalid \\uXXXX escape/],
    ['Infinity', /expecting a value/],
    ['1e400', /out of the range of a double/],
    ['"open', /unterminated string/],
    ['', /expecting a value, got end of input/],
  ])('refuses %j', (input, message) => {
    expect(() => parseJson(Buffer.from(input))).toThrow(message);
  });

  it('matches repr() for random doubles (shortest round trip, same exponent rules)', () => {
    for (let index = 0; index < 2000; index++) {
      const value = (Math.random() - 0.5) * 10 ** Math.floor(Math.random() * 40 - 20);
      const repr = pyFloatRepr(value);
      expect(Number(repr)).toBe(value);
      const exponent = Number(value.toExponential().split('e')[1]);
      if (exponent >= -4 && exponent < 16) expect(repr).toMatch(/^-?\d+\.\d+$/);
      else expect(repr).toMatch(/^-?\d(\.\d+)?e[-+]\d{2,3}$/);
    }
  });

  it('sorts by code point like Python sorted()', () => {
    expect(['b', 'a', 'Z', 'é', '😀', '\uffff', '_'].sort(compareCodePoints)).toEqual(['Z', '_', 'a', 'b', 'é', '\uffff', '😀']);
  });
});

describe('fmf durations', () => {
  it.each([
    ['30', 30],
    ['30s', 30],
    ['5m', 300],
    ['2h', 7200],
    ['1d', 86400],
    ['1h 30m', 5400],
    ['1h  30m 15', 5415],
    ['1.5h', 5400],
    ['0', 0],
  ])('%s is %i seconds', (text, seconds) => {
    expect(parseFmfDuration(text)).toBe(seconds);
  });

  it.each(['', ' ', '5 minutes', '-5', '+5', '5w', 'm', '1e3', '5m5s'])('refuses %j', (text) => {
    expect(() => parseFmfDuration(text)).toThrow(/invalid fmf duration/);
  });
});
