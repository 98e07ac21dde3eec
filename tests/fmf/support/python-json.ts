import { FmfDate, FmfFloat, FmfSet, FmfTimestamp, isMapping, newMapping, pyFloatRepr, type FmfScalar, type FmfValue } from '../../../lib/fmf/values';

/**
 * Reads the golden JSON written by Python: a number with `.` or an exponent
 * is a float (`7.0` stays distinct from `7`), and the `$float`, `$bigint`,
 * `$date`, `$datetime`, `$binary`, `$set` wrappers become engine values.
 */
export function parsePythonJson(text: string): FmfValue {
  let index = 0;
  const skipSpace = () => {
    while (/\s/.test(text[index] ?? '')) index++;
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
        return unwrap(mapping);
      }
      for (;;) {
        skipSpace();
        const key = parseValue() as string;
        skipSpace();
        index++; // ':'
        mapping[key] = parseValue();
        skipSpace();
        if (text[index++] === '}') return unwrap(mapping);
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
        if (text[index++] === ']') return list;
      }
    }
    if (char === '"') {
      const start = index;
      index++;
      while (text[index] !== '"') index += text[index] === '\\' ? 2 : 1;
      index++;
      return JSON.parse(text.slice(start, index)) as string;
    }
    const literal = /^(?:true|false|null|NaN|-?Infinity|-?[0-9]+(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?)/.exec(text.slice(index));
    if (!literal) throw new Error(`bad JSON at ${index}: ${text.slice(index, index + 20)}`);
    index += literal[0].length;
    const token = literal[0];
    if (token === 'true') return true;
    if (token === 'false') return false;
    if (token === 'null') return null;
    if (/[.eEIN]/.test(token)) return new FmfFloat(Number(token));
    return Number(token);
  };
  return parseValue();
}

function unwrap(mapping: Record<string, FmfValue>): FmfValue {
  const keys = Object.keys(mapping);
  if (keys.length === 1 || (keys.length === 2 && keys.includes('$repr'))) {
    const value = mapping[keys[0]];
    switch (keys[0]) {
      case '$float':
        return new FmfFloat(value === 'nan' ? NaN : value === 'inf' ? Infinity : -Infinity);
      case '$bigint':
        return BigInt(value as string);
      case '$date':
        return new FmfDate(value as string);
      case '$datetime':
        return new FmfTimestamp(value as string);
      case '$binary':
        return new Uint8Array(Buffer.from(value as string, 'base64'));
      case '$set':
        return new FmfSet(value as FmfScalar[]);
    }
  }
  return mapping;
}

/** Type-strict structural equality (an int is not a float, a bool is not an int); mapping key order ignored. */
export function strictEqual(left: FmfValue | undefined, right: FmfValue | undefined): boolean {
  if (left instanceof FmfFloat && right instanceof FmfFloat) return pyFloatRepr(left.value) === pyFloatRepr(right.value);
  if (left instanceof FmfDate || left instanceof FmfTimestamp) return right?.constructor === left.constructor && (right as FmfDate).iso === left.iso;
  if (left instanceof Uint8Array) return right instanceof Uint8Array && Buffer.from(left).equals(Buffer.from(right));
  if (left instanceof FmfSet) {
    return right instanceof FmfSet && left.items.length === right.items.length && left.items.every((item) => right.items.some((other) => strictEqual(item, other)));
  }
  if (Array.isArray(left)) return Array.isArray(right) && left.length === right.length && left.every((item, index) => strictEqual(item, right[index]));
  if (isMapping(left)) {
    if (!isMapping(right)) return false;
    const keys = Object.keys(left);
    return keys.length === Object.keys(right).length && keys.every((key) => key in right && strictEqual(left[key], right[key]));
  }
  return typeof left === typeof right && left === right;
}
