import { FmfError } from './errors';
import { FmfDate, FmfFloat, FmfSet, FmfTimestamp, newMapping, pyInt, type FmfMapping, type FmfScalar, type FmfValue } from './values';
import { pyFloatRepr } from '../python/float-repr';

/**
 * JSON text for fmf values, in the conventions of the conformance data:
 * floats keep their `.0` (`7.0`), and values JSON cannot hold are wrapped:
 * `{"$float": "nan"|"inf"|"-inf"}`, `{"$bigint": "…"}`, `{"$date": "…"}`,
 * `{"$datetime": "…"}`, `{"$binary": base64}`, `{"$set": […]}`.
 */
export type JsonLike = FmfValue | undefined | JsonLike[] | { [key: string]: JsonLike };

function wrap(key: string, value: string): string {
  return `{${JSON.stringify(key)}: ${value}}`;
}

function scalarJson(value: FmfValue): string | undefined {
  if (value instanceof FmfFloat) {
    if (Number.isNaN(value.value)) return wrap('$float', '"nan"');
    if (!Number.isFinite(value.value)) return wrap('$float', value.value > 0 ? '"inf"' : '"-inf"');
    return pyFloatRepr(value.value);
  }
  if (typeof value === 'bigint') return wrap('$bigint', JSON.stringify(String(value)));
  if (value instanceof FmfDate) return wrap('$date', JSON.stringify(value.iso));
  if (value instanceof FmfTimestamp) return wrap('$datetime', JSON.stringify(value.iso));
  if (value instanceof Uint8Array) return wrap('$binary', JSON.stringify(Buffer.from(value).toString('base64')));
  return undefined;
}

export function toJson(value: JsonLike, indent = 0): string {
  const write = (item: JsonLike, depth: number): string => {
    if (item === undefined || item === null) return 'null';
    const scalar = scalarJson(item as FmfValue);
    if (scalar !== undefined) return scalar;
    if (typeof item !== 'object') return JSON.stringify(item);
    const pad = indent ? `\n${' '.repeat(indent * (depth + 1))}` : '';
    const close = indent ? `\n${' '.repeat(indent * depth)}` : '';
    const separator = indent ? ',' : ', ';
    if (item instanceof FmfSet) return wrap('$set', write(item.items, depth));
    if (Array.isArray(item)) {
      return item.length ? `[${item.map((element) => pad + write(element, depth + 1)).join(separator)}${close}]` : '[]';
    }
    const keys = Object.keys(item);
    const record = item as Record<string, JsonLike>;
    return keys.length
      ? `{${keys.map((key) => `${pad}${JSON.stringify(key)}: ${write(record[key], depth + 1)}`).join(separator)}${close}}`
      : '{}';
  };
  return write(value, 0);
}

/**
 * Parses JSON into fmf values, keeping what JSON.parse would lose: a number
 * written with `.` or an exponent is a float (`1.0` stays distinct from `1`),
 * integers beyond 2^53 stay exact, and the wrappers above are unwrapped.
 * Objects are null-prototype mappings. Throws FmfError('ValueError').
 */
export function parseJson(text: string): FmfValue {
  let index = 0;
  const fail = (what: string): never => {
    throw new FmfError('ValueError', `invalid JSON at position ${index}: ${what}`);
  };
  const skipSpace = () => {
    while (index < text.length && ' \t\n\r'.includes(text[index])) index++;
  };
  const parseString = (): string => {
    const match = /^"(?:[^"\\\u0000-\u001f]|\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4}))*"/.exec(text.slice(index));
    if (!match) fail('bad string');
    index += match![0].length;
    return JSON.parse(match![0]) as string;
  };
  const parseValue = (): FmfValue => {
    skipSpace();
    const char = text[index];
    if (char === '{') {
      index++;
      const mapping = newMapping();
      skipSpace();
      if (text[index] === '}') {
        index++;
        return unwrapJson(mapping);
      }
      for (;;) {
        skipSpace();
        if (text[index] !== '"') fail('expected a key');
        const key = parseString();
        skipSpace();
        if (text[index++] !== ':') fail("expected ':'");
        mapping[key] = parseValue();
        skipSpace();
        const next = text[index++];
        if (next === '}') return unwrapJson(mapping);
        if (next !== ',') fail("expected ',' or '}'");
      }
    }
    if (char === '[') {
      index++;
      const list: FmfValue[] = [];
      skipSpace();
      if (text[index] === ']') {
        index++;
        return list;
      }
      for (;;) {
        list.push(parseValue());
        skipSpace();
        const next = text[index++];
        if (next === ']') return list;
        if (next !== ',') fail("expected ',' or ']'");
      }
    }
    if (char === '"') return parseString();
    const literal = /^(?:true|false|null|-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?)/.exec(text.slice(index));
    if (!literal) return fail('unexpected character');
    index += literal[0].length;
    const token = literal[0];
    if (token === 'true' || token === 'false') return token === 'true';
    if (token === 'null') return null;
    if (/[.eE]/.test(token)) return new FmfFloat(Number(token));
    return pyInt(BigInt(token));
  };
  const value = parseValue();
  skipSpace();
  if (index < text.length) fail('unexpected text after the value');
  return value;
}

function unwrapJson(mapping: FmfMapping): FmfValue {
  const keys = Object.keys(mapping);
  if (keys.length !== 1) return mapping;
  const value = mapping[keys[0]];
  if (typeof value !== 'string' && !(keys[0] === '$set' && Array.isArray(value))) return mapping;
  switch (keys[0]) {
    case '$float':
      return value === 'nan'
        ? new FmfFloat(NaN)
        : value === 'inf'
          ? new FmfFloat(Infinity)
          : value === '-inf'
            ? new FmfFloat(-Infinity)
            : mapping;
    case '$bigint':
      return /^-?[0-9]+$/.test(value as string) ? BigInt(value as string) : mapping;
    case '$date':
      return new FmfDate(value as string);
    case '$datetime':
      return new FmfTimestamp(value as string);
    case '$binary':
      return new Uint8Array(Buffer.from(value as string, 'base64'));
    case '$set':
      return new FmfSet(value as FmfScalar[]);
    default:
      return mapping;
  }
}
