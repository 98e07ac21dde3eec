import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FmfError } from '../../lib/engine/fmf/errors';
import { parseYaml, parseYamlWithLibrary, resolvePlainScalar, type YamlDocument } from '../../lib/engine/fmf/yaml';
import { parseFastYaml } from '../../lib/engine/fmf/yaml-fast';
import { FmfDate, FmfFloat, FmfTimestamp, newMapping, type FmfValue } from '../../lib/engine/fmf/values';
import { conformanceDir } from './support/conformance';
import { strictEqual } from './support/strict-equal';

function documentValue(document: YamlDocument): FmfValue {
  if (document.kind === 'null') return null;
  if (document.kind === 'other') return document.value;
  // Keys keep their types here: wrap each entry so that `1` and `"1"` stay distinct.
  return document.entries.map(([key, value]) => [key, value]);
}

/** Checks the fast path against the library; false when the fast path declined the text. */
function sameAsLibrary(text: string): boolean {
  const fast = parseFastYaml(text, resolvePlainScalar);
  if (!fast) return false;
  let library: YamlDocument;
  try {
    library = parseYamlWithLibrary(text, 'generated.fmf');
  } catch (error) {
    throw new Error(`fast path accepted text the library rejects: ${JSON.stringify(text)}: ${(error as Error).message}`);
  }
  expect(strictEqual(documentValue(fast), documentValue(library)), JSON.stringify(text)).toBe(true);
  return true;
}

function fmfFiles(directory: string): string[] {
  return readdirSync(directory).flatMap((name) => {
    const full = path.join(directory, name);
    const stat = statSync(full, { throwIfNoEntry: false });
    if (!stat) return [];
    if (stat.isDirectory()) return fmfFiles(full);
    return name.endsWith('.fmf') || name === 'config' ? [full] : [];
  });
}

describe('YAML loading', () => {
  it('types scalars like the reference (YAML 1.2, ruamel)', () => {
    const document = parseYaml(
      'a: yes\nb: 017\nc: 0o17\nd: 1_000\ne: 7.0\nf: 2024-01-02\ng: 12:30\nh: -.5\ni: TRUE\nj: 2024-01-02T03:04:05+01:00\nk: .inf\n',
      'x.fmf',
    );
    expect(document.kind).toBe('mapping');
    const values = Object.fromEntries((document as { entries: [string, FmfValue][] }).entries);
    expect(values.a).toBe('yes');
    expect(values.b).toBe(17);
    expect(values.c).toBe(15);
    expect(values.d).toBe(1000);
    expect(values.e).toEqual(new FmfFloat(7));
    expect(values.f).toEqual(new FmfDate('2024-01-02'));
    expect(values.g).toBe('12:30');
    expect(values.h).toBe('-.5');
    expect(values.i).toBe(true);
    expect(values.j).toEqual(new FmfTimestamp('2024-01-02T02:04:05'));
    expect(values.k).toEqual(new FmfFloat(Infinity));
  });

  it('reports file, line and column for syntax errors and duplicate keys', () => {
    expect(() => parseYaml('a: [1, 2\nb: 3\n', 'bad.fmf')).toThrow(/bad\.fmf' at line \d+, column \d+/);
    expect(() => parseYaml('a: 1\nb:\n  c: 1\n  c: 2\n', 'dup.fmf')).toThrow(/dup\.fmf' at line 4, column 3: found duplicate key "c"/);
    expect(() => parseYaml('1: a\ntrue: b\n', 'eq.fmf')).toThrow(FmfError);
    expect(() => parseYaml('a: 1\n\tb: 2\n', 'tab.fmf')).toThrow(/line 2, column 1/);
    expect(() => parseYaml('a: !custom x\n', 'tag.fmf')).toThrow(/could not determine a constructor/);
  });

  it('keeps merge keys, anchors, sets and binary', () => {
    const document = parseYaml('base: &b {x: 1, y: 2}\nuse:\n  <<: *b\n  y: 3\ns: !!set {a, b}\nbin: !!binary aGk=\n', 'm.fmf');
    const values = Object.fromEntries((document as { entries: [string, FmfValue][] }).entries);
    const expected = newMapping();
    Object.assign(expected, { x: 1, y: 3 });
    expect(strictEqual(values.use, expected)).toBe(true);
    expect(values.bin).toEqual(new Uint8Array([104, 105]));
  });

  it('the fast path agrees with the library on every conformance file it accepts', () => {
    const files = fmfFiles(path.join(conformanceDir(), 'trees'));
    const accepted = files.filter((file) => sameAsLibrary(readFileSync(file, 'utf8'))).length;
    // Most real metadata files are plain enough for the fast path: the comparison must cover them.
    expect(accepted, `${accepted} of ${files.length} files`).toBeGreaterThan(files.length / 2);
  });

  const scalar = fc.oneof(
    fc.constantFrom(
      'yes',
      'no',
      'true',
      'False',
      'null',
      '~',
      '017',
      '0o17',
      '0x1F',
      '1_000',
      '7.0',
      '.5',
      '-.5',
      '1e3',
      '.inf',
      '-7',
      '+7',
    ),
    fc.constantFrom(
      '2024-01-02',
      '12:30',
      'a b',
      'x#y',
      'a,b',
      'a]b',
      '-x',
      '?x',
      ':x',
      'fedora-40',
      '/path/to',
      'a: b',
      'a #c',
      '[x]',
      "'q'",
      '"d"',
    ),
    fc.constantFrom(
      "'it''s'",
      "'a: b'",
      '"plain"',
      '"with \\\\ escape"',
      '&anchor',
      '*alias',
      '!tag x',
      '|',
      '>',
      '{a: 1}',
      '%x',
      '@x',
      '`x',
    ),
    fc.stringMatching(/^[a-z0-9 ._:#,-]{1,8}$/),
  );
  const key = fc.oneof(
    fc.constantFrom('tag', 'tag+', '/child', 'adjust', '1', 'true', 'a b', '<<', '-k', 'k:x', '"q"'),
    fc.stringMatching(/^[a-z/+~-]{1,6}$/),
  );
  const flow = fc.array(scalar, { maxLength: 4 }).map((items) => `[${items.join(', ')}]`);

  type Block = string[];
  const indent = (lines: Block, by: number) => lines.map((line) => ' '.repeat(by) + line);
  const block: fc.Memo<Block> = fc.memo((depth) => {
    const leaf = fc.oneof(scalar, flow, fc.constant(''), fc.constant('# comment'));
    if (depth <= 1) return fc.tuple(key, leaf).map(([k, v]) => [`${k}: ${v}`]);
    const mapping = fc.array(
      fc.oneof(
        fc.tuple(key, leaf).map(([k, v]) => [`${k}: ${v}`]),
        fc.tuple(key, block(depth - 1), fc.integer({ min: 1, max: 4 })).map(([k, inner, by]) => [`${k}:`, ...indent(inner, by)]),
        fc
          .tuple(key, fc.array(leaf, { minLength: 1, maxLength: 3 }), fc.integer({ min: 0, max: 3 }))
          .map(([k, items, by]) => [`${k}:`, ...items.map((item) => `${' '.repeat(by)}- ${item}`)]),
        fc
          .tuple(key, block(depth - 1), fc.integer({ min: 0, max: 2 }))
          .map(([k, inner, by]) => [`${k}:`, `${' '.repeat(by)}- ${inner[0]}`, ...indent(inner.slice(1), by + 2)]),
      ),
      { minLength: 1, maxLength: 4 },
    );
    return mapping.map((entries) => entries.flat());
  });

  it('the fast path agrees with the library on generated documents', () => {
    let accepted = 0;
    fc.assert(
      fc.property(block(3), (lines) => {
        if (sameAsLibrary(`${lines.join('\n')}\n`)) accepted++;
      }),
      { numRuns: 3000 },
    );
    // The generator must exercise the fast path, not only its refusals.
    expect(accepted).toBeGreaterThan(300);
  });
});
