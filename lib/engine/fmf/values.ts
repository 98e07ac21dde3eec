import { pyFloatRepr } from '../python/float-repr';
/**
 * The value model of fmf metadata. fmf is Python, and several of its rules
 * depend on Python's types (an int and a float print differently in filters,
 * `true + true` is 2, `1 == 1.0 == true`), so values keep the distinctions
 * JavaScript would lose:
 *
 * - `number` is a Python int (always an integer); `bigint` is an int beyond 2^53;
 * - `FmfFloat` is a Python float (also when integral, e.g. `7.0`);
 * - `FmfDate` / `FmfTimestamp` are YAML dates and timestamps;
 * - `Uint8Array` is `!!binary`; `FmfSet` is `!!set`;
 * - mappings are null-prototype objects. Non-string keys of nested mappings
 *   become the text Python's json would write (`1` → "1", `true` → "true").
 */
export type FmfScalar = null | boolean | number | bigint | string | FmfFloat | FmfDate | FmfTimestamp | Uint8Array;
export type FmfValue = FmfScalar | FmfValue[] | FmfMapping | FmfSet;
export interface FmfMapping {
  [key: string]: FmfValue;
}

export class FmfFloat {
  constructor(readonly value: number) {}
}

/** A calendar date (`2024-01-02`), kept as its ISO text. */
export class FmfDate {
  constructor(readonly iso: string) {}
}

/** A timestamp without time zone (converted to UTC, as ruamel does), ISO text without offset. */
export class FmfTimestamp {
  constructor(readonly iso: string) {}
}

export class FmfSet {
  constructor(readonly items: FmfScalar[]) {}
}

export function newMapping(): FmfMapping {
  return Object.create(null) as FmfMapping;
}

/** Mappings are null-prototype objects (plain objects from callers are accepted too). */
export function isMapping(value: FmfValue | undefined): value is FmfMapping {
  if (typeof value !== 'object' || value === null) return false;
  const prototype: unknown = Object.getPrototypeOf(value);
  return prototype === null || prototype === Object.prototype;
}

export function hasKey(mapping: FmfMapping, key: string): boolean {
  return Object.hasOwn(mapping, key);
}

export function deepCopy<T extends FmfValue>(value: T): T {
  if (typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) {
    const copy: FmfValue[] = new Array(value.length);
    for (let index = 0; index < value.length; index++) copy[index] = deepCopy(value[index]);
    return copy as T;
  }
  if (isMapping(value)) {
    const copy = newMapping();
    for (const key in value) copy[key] = deepCopy(value[key]);
    return copy as T;
  }
  return value;
}

/** Python's type name, for error messages that mirror the reference. */
export function pyTypeName(value: FmfValue | undefined): string {
  if (value === null || value === undefined) return 'NoneType';
  if (typeof value === 'boolean') return 'bool';
  if (typeof value === 'number' || typeof value === 'bigint') return 'int';
  if (typeof value === 'string') return 'str';
  if (value instanceof FmfFloat) return 'float';
  if (value instanceof FmfDate) return 'date';
  if (value instanceof FmfTimestamp) return 'datetime';
  if (value instanceof Uint8Array) return 'bytes';
  if (value instanceof FmfSet) return 'set';
  if (Array.isArray(value)) return 'list';
  return 'dict';
}

/** A number-like value as Python sees it in arithmetic and comparisons (bool is an int). */
export function numericValue(value: FmfValue | undefined): number | bigint | undefined {
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (typeof value === 'number' || typeof value === 'bigint') return value;
  if (value instanceof FmfFloat) return value.value;
  return undefined;
}

/** Normalises an integer result: numbers beyond 2^53 become bigint, small bigints become numbers. */
export function pyInt(value: number | bigint): number | bigint {
  if (typeof value === 'bigint') {
    return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : value;
  }
  return Number.isSafeInteger(value) ? value : BigInt(value);
}

/** Python `a + b` or `a - b` on two number-like values (bool, int, float). */
export function pyArithmetic(left: FmfValue, right: FmfValue, operator: '+' | '-'): FmfValue {
  const a = numericValue(left);
  const b = numericValue(right);
  if (a === undefined || b === undefined) throw new TypeError('not numbers');
  if (left instanceof FmfFloat || right instanceof FmfFloat) {
    const x = Number(a);
    const y = Number(b);
    return new FmfFloat(operator === '+' ? x + y : x - y);
  }
  const x = BigInt(a);
  const y = BigInt(b);
  return pyInt(operator === '+' ? x + y : x - y);
}

/** Python `==` between two values (`1 == 1.0 == True`, lists and dicts compared deeply). */
export function pyEquals(left: FmfValue | undefined, right: FmfValue | undefined): boolean {
  const a = numericValue(left);
  const b = numericValue(right);
  if (a !== undefined || b !== undefined) {
    if (a === undefined || b === undefined) return false;
    return typeof a === 'bigint' || typeof b === 'bigint'
      ? Number.isInteger(Number(a)) && Number.isInteger(Number(b)) && BigInt(a) === BigInt(b)
      : a === b;
  }
  if (left === null || left === undefined || right === null || right === undefined) return left === right;
  if (typeof left === 'string' || typeof right === 'string') return left === right;
  if (Array.isArray(left) || Array.isArray(right)) {
    return (
      Array.isArray(left) &&
      Array.isArray(right) &&
      left.length === right.length &&
      left.every((item, index) => pyEquals(item, right[index]))
    );
  }
  if (left instanceof FmfDate || left instanceof FmfTimestamp) {
    return right.constructor === left.constructor && (right as FmfDate).iso === left.iso;
  }
  if (left instanceof Uint8Array) {
    return right instanceof Uint8Array && left.length === right.length && left.every((byte, index) => byte === right[index]);
  }
  if (left instanceof FmfSet) {
    return (
      right instanceof FmfSet &&
      left.items.length === right.items.length &&
      left.items.every((item) => right.items.some((other) => pyEquals(item, other)))
    );
  }
  if (isMapping(left) && isMapping(right)) {
    const keys = Object.keys(left);
    return keys.length === Object.keys(right).length && keys.every((key) => hasKey(right, key) && pyEquals(left[key], right[key]));
  }
  return false;
}

/** Python `bool(value)`. */
export function pyTruthy(value: FmfValue | undefined): boolean {
  if (value === null || value === undefined) return false;
  if (typeof value === 'boolean') return value;
  if (typeof value === 'number') return value !== 0;
  if (typeof value === 'bigint') return value !== 0n;
  if (typeof value === 'string') return value.length > 0;
  if (value instanceof FmfFloat) return value.value !== 0;
  if (value instanceof Uint8Array) return value.length > 0;
  if (value instanceof FmfSet) return value.items.length > 0;
  if (value instanceof FmfDate || value instanceof FmfTimestamp) return true;
  if (Array.isArray(value)) return value.length > 0;
  return Object.keys(value).length > 0;
}

function timestampText(iso: string): string {
  return iso.replace('T', ' ');
}

/** Python `repr(str)`. */
function pyStringRepr(text: string): string {
  const quote = text.includes("'") && !text.includes('"') ? '"' : "'";
  let body = '';
  for (const char of text) {
    const code = char.codePointAt(0) ?? 0;
    if (char === '\\') body += '\\\\';
    else if (char === quote) body += `\\${quote}`;
    else if (char === '\n') body += '\\n';
    else if (char === '\r') body += '\\r';
    else if (char === '\t') body += '\\t';
    else if (code < 0x20 || code === 0x7f) body += `\\x${code.toString(16).padStart(2, '0')}`;
    else body += char;
  }
  return quote + body + quote;
}

function bytesRepr(bytes: Uint8Array): string {
  let body = '';
  for (const byte of bytes) {
    if (byte === 0x5c) body += '\\\\';
    else if (byte === 0x27) body += "\\'";
    else if (byte === 0x0a) body += '\\n';
    else if (byte === 0x0d) body += '\\r';
    else if (byte === 0x09) body += '\\t';
    else if (byte < 0x20 || byte >= 0x7f) body += `\\x${byte.toString(16).padStart(2, '0')}`;
    else body += String.fromCharCode(byte);
  }
  return `b'${body}'`;
}

/** Python `repr(value)`. */
export function pyRepr(value: FmfValue | undefined): string {
  if (typeof value === 'string') return pyStringRepr(value);
  if (value instanceof FmfDate) return `datetime.date(${value.iso.split('-').map(Number).join(', ')})`;
  if (value instanceof FmfTimestamp) return `datetime.datetime(${value.iso})`;
  if (value instanceof Uint8Array) return bytesRepr(value);
  if (Array.isArray(value)) return `[${value.map((item) => pyRepr(item)).join(', ')}]`;
  if (value instanceof FmfSet) return value.items.length ? `{${value.items.map((item) => pyRepr(item)).join(', ')}}` : 'set()';
  if (isMapping(value)) {
    return `{${Object.keys(value)
      .map((key) => `${pyStringRepr(key)}: ${pyRepr(value[key])}`)
      .join(', ')}}`;
  }
  return pyStr(value);
}

/** Python `str(value)`. */
export function pyStr(value: FmfValue | undefined): string {
  if (value === null || value === undefined) return 'None';
  if (typeof value === 'boolean') return value ? 'True' : 'False';
  if (typeof value === 'number' || typeof value === 'bigint') return String(value);
  if (typeof value === 'string') return value;
  if (value instanceof FmfFloat) return pyFloatRepr(value.value);
  if (value instanceof FmfDate) return value.iso;
  if (value instanceof FmfTimestamp) return timestampText(value.iso);
  return pyRepr(value);
}

/** The text Python's json module writes for a non-string mapping key. */
export function jsonKeyText(key: FmfScalar): string {
  if (key === null) return 'null';
  if (typeof key === 'boolean') return key ? 'true' : 'false';
  if (key instanceof FmfFloat) {
    if (Number.isNaN(key.value)) return 'NaN';
    if (!Number.isFinite(key.value)) return key.value > 0 ? 'Infinity' : '-Infinity';
  }
  return pyStr(key);
}
