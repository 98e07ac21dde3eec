import { describe, expect, it } from 'vitest';
import { evaluateCondition } from '../../lib/engine/fmf/condition';
import { Context } from '../../lib/engine/fmf/context';
import { durationToSeconds } from '../../lib/engine/fmf/duration';
import { FmfError } from '../../lib/engine/fmf/errors';
import { matchesFilter } from '../../lib/engine/fmf/filter';
import { mergeSpecial, splitPatternReplacement } from '../../lib/engine/fmf/merge';
import { pySub } from '../../lib/engine/fmf/pyregex';
import { FmfFloat, newMapping, pyStr, type FmfMapping, type FmfValue } from '../../lib/engine/fmf/values';
import { pyFloatRepr } from '../../lib/engine/python/float-repr';

function mapping(entries: Record<string, FmfValue>): FmfMapping {
  return Object.assign(newMapping(), entries);
}

function merged(parent: Record<string, FmfValue>, child: Record<string, FmfValue>): FmfMapping {
  const target = mapping(structuredClone(parent));
  mergeSpecial(target, mapping(child), '/node');
  return target;
}

describe('merge suffixes', () => {
  it('appends, prepends and assigns', () => {
    expect(merged({ tag: ['a'] }, { 'tag+': ['b'] })).toEqual({ tag: ['a', 'b'] });
    expect(merged({ tag: ['a'] }, { 'tag+<': ['b'] })).toEqual({ tag: ['b', 'a'] });
    expect(merged({ s: 'ab' }, { 's+': 'c' })).toEqual({ s: 'abc' });
    expect(merged({}, { 'x+': { 'a+': 1 } })).toEqual({ x: { 'a+': 1 } });
    expect(merged({ tag: ['a'] }, { tag: ['z'] })).toEqual({ tag: ['z'] });
  });

  it('follows Python arithmetic: bool is an int, int + float is a float', () => {
    expect(merged({ flag: true }, { 'flag+': true })).toEqual({ flag: 2 });
    expect(merged({ n: 1 }, { 'n+': new FmfFloat(0.5) }).n).toEqual(new FmfFloat(1.5));
    expect(merged({ n: 10 }, { 'n-': 3 })).toEqual({ n: 7 });
    expect(() => merged({ n: 1 }, { 'n+': 'x' })).toThrow(/MergeError: Key 'n' in \/node/);
    expect(() => merged({ n: null }, { 'n+': [1] })).toThrow(FmfError);
  });

  it('merges a dict into every item of a list, and a list of dicts into copies of a dict', () => {
    expect(merged({ l: [{ a: 1 }, { a: 2 }] }, { 'l+': { b: 0 } })).toEqual({
      l: [
        { a: 1, b: 0 },
        { a: 2, b: 0 },
      ],
    });
    expect(merged({ d: { a: 1 } }, { 'd+': [{ b: 1 }, { b: 2 }] })).toEqual({
      d: [
        { a: 1, b: 1 },
        { a: 1, b: 2 },
      ],
    });
    expect(() => merged({ l: ['x'] }, { 'l+': { b: 0 } })).toThrow(/Item 'x' in \/node must be a dictionary/);
  });

  it('removes by value, key, regex; substitutes with Python replacement syntax', () => {
    expect(merged({ l: [1, 'a', true] }, { 'l-': [new FmfFloat(1)] })).toEqual({ l: ['a'] });
    expect(merged({ d: { a: 1, b: 2 } }, { 'd-': ['a', 'zzz'] })).toEqual({ d: { b: 2 } });
    expect(merged({ s: 'hello world' }, { 's-': 'o.' })).toEqual({ s: 'hellwld' });
    expect(merged({ l: ['fedora-40', 'rhel-9'] }, { 'l-~': '^fed' })).toEqual({ l: ['rhel-9'] });
    expect(merged({ d: { keep: 1, drop_me: 2 } }, { 'd-~': ['^drop'] })).toEqual({ d: { keep: 1 } });
    expect(merged({ s: 'v1.2' }, { 's~': '/v([0-9]+)\\.([0-9]+)/\\2.\\1/' })).toEqual({ s: '2.1' });
    expect(merged({ l: ['a-1', 'b-1'] }, { 'l~': ['/-1/-2/', '|^a|A|'] })).toEqual({ l: ['A-2', 'b-2'] });
    expect(() => merged({ n: 1 }, { 'n-~': 'x' })).toThrow(/wrong type/);
  });

  it('strips every trailing suffix character and applies operations in key order', () => {
    expect(merged({ lst: [1] }, { 'lst++': [2] })).toEqual({ lst: [1, 2] });
    expect(merged({ t: ['a', 'b'] }, { 't-': ['a'], 't+': ['a'] })).toEqual({ t: ['b', 'a'] });
    expect(merged({ t: ['a', 'b'] }, { 't+': ['a'], 't-': ['a'] })).toEqual({ t: ['b'] });
  });

  it('validates substitution patterns', () => {
    expect(splitPatternReplacement('/a/b/')).toEqual({ pattern: 'a', replacement: 'b' });
    expect(() => splitPatternReplacement('/a/b')).toThrow(/has to end with/);
    expect(() => splitPatternReplacement('/a/b/c/')).toThrow(/can't be split/);
    expect(() => splitPatternReplacement('//b/')).toThrow(/Pattern cannot be empty/);
  });
});

describe('context rules', () => {
  const decide = (context: Record<string, FmfValue | FmfValue[]>, rule: FmfValue, caseSensitive = true) =>
    new Context(context, caseSensitive).decide(rule);

  it('compares versions part by part, numerically when both parts are integers', () => {
    expect(decide({ distro: 'fedora-40' }, 'distro > fedora-9')).toBe(true);
    expect(decide({ distro: 'fedora-rawhide' }, 'distro > fedora-40')).toBe(true);
    expect(decide({ distro: 'rhel-9' }, 'distro < rhel-9.2')).toBe(true);
    expect(decide({ distro: 'rhel-9' }, 'distro == rhel-9.2')).toBe(false);
    expect(decide({ distro: 'fedora-33' }, 'distro == fedora')).toBe(true);
    expect(decide({ distro: 'centos-8' }, 'distro < fedora-40')).toBe('cannot-decide');
    expect(decide({ ver: '10' }, 'ver > 9')).toBe('cannot-decide');
  });

  it('minor comparisons need matching majors', () => {
    expect(decide({ distro: 'centos-6.3' }, 'distro ~< centos-7')).toBe(true);
    expect(decide({ distro: 'centos-6.3' }, 'distro ~< centos-7.2')).toBe('cannot-decide');
    expect(decide({ distro: 'rhel-9.4' }, 'distro ~= rhel-9')).toBe(true);
    expect(decide({ distro: 'rhel-8.4' }, 'distro ~!= rhel-9.4')).toBe(true);
  });

  it('implements three-valued and/or, is defined, comma lists and single =', () => {
    expect(decide({}, 'distro == fedora or true')).toBe(true);
    expect(decide({}, 'distro == fedora and false')).toBe(false);
    expect(decide({}, 'distro == fedora and true')).toBe('cannot-decide');
    expect(decide({}, 'distro is not defined')).toBe(true);
    expect(decide({ arch: ['x86_64', 's390x'] }, 'arch = aarch64, s390x')).toBe(true);
    expect(decide({ distro: 'Fedora-40' }, 'distro == fedora-40', false)).toBe(true);
    expect(decide({ distro: 'Fedora-40' }, 'distro == fedora-40', true)).toBe(false);
    expect(decide({ distro: 40 }, 'distro == 40')).toBe(true);
    expect(decide({}, true)).toBe(true);
  });

  it('keeps the reference quirks', () => {
    // `\bor\b` splits inside values, so `fedora-or-rhel` is two expressions.
    expect(() => decide({ distro: 'fedora' }, 'distro == fedora-or-rhel')).toThrow(/Cannot parse expression '-rhel'/);
    // `&&` is part of the value: compared against "fedora-1 && distro < fedora-3".
    expect(decide({ distro: 'fedora-2' }, 'distro > fedora-1 && distro < fedora-3')).toBe(true);
    expect(decide({}, 'trueish == 1')).toBe(true);
    expect(() => decide({}, ['distro == x'])).toThrow(FmfError);
    expect(() => decide({ distro: 'x' }, 'distro ~ (')).toThrow(FmfError);
  });
});

describe('filters', () => {
  const data = mapping({ tag: ['Tier1', 'a&b', 'e,f'], tier: 1, ratio: new FmfFloat(1), none: null });

  it('matches dimensions, negation, comma atoms, and/or, names', () => {
    expect(matchesFilter('tag: Tier1', data)).toBe(true);
    expect(matchesFilter('tag: -Tier1', data)).toBe(false);
    expect(matchesFilter('tag: Tier2, Tier1', data)).toBe(true);
    expect(matchesFilter('tag: Tier1 & tier: 2 | tier: 1', data)).toBe(true);
    expect(matchesFilter('tag: a\\&b', data)).toBe(true);
    expect(matchesFilter('/tests/.* & tier: 1', data, { regexp: true, name: '/tests/x' })).toBe(true);
    expect(matchesFilter('tag: tier.', data, { regexp: true, sensitive: false })).toBe(true);
  });

  it('converts data with Python str()', () => {
    expect(matchesFilter('ratio: 1.0', data)).toBe(true);
    expect(matchesFilter('ratio: 1', data)).toBe(false);
    expect(matchesFilter('none: None', data)).toBe(true);
  });

  it('raises FilterError for unknown keys, even in a clause after a true one', () => {
    expect(() => matchesFilter('tier: 1 | missing: x', data)).toThrow(/Invalid filter 'missing'/);
    expect(() => matchesFilter('/name', data)).toThrow(/node name not provided/);
    expect(() => matchesFilter('tag: (a|b)', data, { regexp: true })).toThrow(FmfError);
  });
});

describe('conditions', () => {
  const data = mapping({ environment: mapping({ X: '1' }), tag: ['a', 'b'], enabled: true });

  it('evaluates the Python subset used by atex', () => {
    expect(evaluateCondition("environment['X'] == '1'", data)).toBe(true);
    expect(evaluateCondition("'a' in tag and len(tag) == 2", data)).toBe(true);
    expect(evaluateCondition("'extra' not in locals()", data)).toBe(true);
    expect(evaluateCondition("'enabled' not in locals() or enabled", data)).toBe(true);
    expect(evaluateCondition("environment.get('Y', 'none') == 'none'", data)).toBe(true);
    expect(evaluateCondition('not enabled', data)).toBe(false);
    expect(evaluateCondition('1 < 2 < 3', data)).toBe(true);
  });

  it('reports missing names and keys as FilterError (node skipped) and bad syntax as an error', () => {
    expect(() => evaluateCondition("environment['Y'] == 1", data)).toThrow(expect.objectContaining({ kind: 'FilterError' }));
    expect(() => evaluateCondition('unknown_name', data)).toThrow(expect.objectContaining({ kind: 'FilterError' }));
    expect(() => evaluateCondition('tag ==', data)).toThrow(expect.objectContaining({ kind: 'FormatError' }));
  });
});

describe('values and helpers', () => {
  it('prints floats like Python repr', () => {
    expect(pyFloatRepr(7)).toBe('7.0');
    expect(pyFloatRepr(1e16)).toBe('1e+16');
    expect(pyFloatRepr(1e-5)).toBe('1e-05');
    expect(pyFloatRepr(0.0001)).toBe('0.0001');
    expect(pyFloatRepr(123456789.5)).toBe('123456789.5');
    expect(pyStr(mapping({ a: [1, 'x', null, true] }))).toBe("{'a': [1, 'x', None, True]}");
  });

  it('converts durations to seconds', () => {
    expect(durationToSeconds('5m')).toBe(300);
    expect(durationToSeconds(90)).toBe(90);
    expect(durationToSeconds('2h')).toBe(7200);
    expect(durationToSeconds('1d')).toBe(86400);
    expect(durationToSeconds('1h 30m')).toBe(5400);
    expect(() => durationToSeconds('5 minutes')).toThrow(/invalid fmf duration/);
  });

  it('substitutes with Python regex and replacement syntax', () => {
    expect(pySub('(?P<major>[0-9]+)\\.(?P<minor>[0-9]+)', '\\g<minor>-\\g<major>', 'v1.2')).toBe('v2-1');
    expect(pySub('a$', 'b', 'a\n')).toBe('b\n');
  });
});
