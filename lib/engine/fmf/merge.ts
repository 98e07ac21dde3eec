import { FmfError } from './errors';
import { pySearch, pySub } from './pyregex';
import {
  deepCopy,
  FmfFloat,
  hasKey,
  isMapping,
  numericValue,
  pyArithmetic,
  pyEquals,
  pyRepr,
  pyStr,
  pyTypeName,
  type FmfMapping,
  type FmfValue,
} from './values';

/**
 * fmf's merge of one mapping into another, with the key suffixes:
 * `+` append, `+<` prepend, `-~` remove by regex, `-` subtract/remove,
 * `~` regex substitute; any other key is assigned. Used for inheritance
 * (own data into the parent's) and for applying adjust rules.
 *
 * Like the reference, values are assigned by reference (not copied) and
 * nested merges modify the target in place.
 */
export function mergeSpecial(target: FmfMapping, source: FmfMapping, nodeName: string): void {
  for (const key of Object.keys(source)) {
    const value = source[key];
    if (key.endsWith('+')) mergePlus(target, stripSuffix(key, '+'), value, nodeName, false);
    else if (key.endsWith('+<')) mergePlus(target, stripSuffix(key, '+<'), value, nodeName, true);
    else if (key.endsWith('-~')) mergeMinusRegex(target, stripSuffix(key, '-~'), value, nodeName);
    else if (key.endsWith('-')) mergeMinus(target, stripSuffix(key, '-'), value, nodeName);
    else if (key.endsWith('~')) mergeSubstitute(target, stripSuffix(key, '~'), value, nodeName);
    else target[key] = value;
  }
}

/** Python `key.rstrip(chars)`: strips every trailing character from the set, so `x++` and `x+<+` give `x`. */
function stripSuffix(key: string, chars: string): string {
  let end = key.length;
  while (end > 0 && chars.includes(key[end - 1])) end--;
  return key.slice(0, end);
}

function mergeError(key: string, nodeName: string, reason: string): FmfError {
  return new FmfError('MergeError', `MergeError: Key '${key}' in ${nodeName} (${reason}).`);
}

function requireMapping(item: FmfValue, nodeName: string): FmfMapping {
  if (!isMapping(item)) throw new FmfError('MergeError', `MergeError: Item '${pyStr(item)}' in ${nodeName} must be a dictionary.`);
  return item;
}

/** Python `left + right` for the value types YAML produces; throws TypeError with Python's message. */
function pyPlus(left: FmfValue, right: FmfValue): FmfValue {
  if (numericValue(left) !== undefined && numericValue(right) !== undefined) return pyArithmetic(left, right, '+');
  if (typeof left === 'string' && typeof right === 'string') return left + right;
  if (Array.isArray(left) && Array.isArray(right)) return [...left, ...right];
  if (typeof left === 'string') throw new TypeError(`can only concatenate str (not "${pyTypeName(right)}") to str`);
  if (Array.isArray(left)) throw new TypeError(`can only concatenate list (not "${pyTypeName(right)}") to list`);
  throw new TypeError(`unsupported operand type(s) for +: '${pyTypeName(left)}' and '${pyTypeName(right)}'`);
}

function mergePlus(target: FmfMapping, key: string, value: FmfValue, nodeName: string, prepend: boolean): void {
  if (!hasKey(target, key)) {
    target[key] = value;
    return;
  }
  const existing = target[key];
  if (Array.isArray(existing) && isMapping(value)) {
    for (const item of existing) mergeSpecial(requireMapping(item, nodeName), value, nodeName);
    return;
  }
  if (isMapping(existing) && Array.isArray(value)) {
    target[key] = value.map((item) => {
      const itemMapping = requireMapping(item, nodeName);
      const merged = deepCopy(existing);
      mergeSpecial(merged, itemMapping, nodeName);
      return merged;
    });
    return;
  }
  if (isMapping(existing) && isMapping(value)) {
    mergeSpecial(existing, value, nodeName);
    return;
  }
  try {
    target[key] = prepend ? pyPlus(value, existing) : pyPlus(existing, value);
  } catch (error) {
    if (error instanceof TypeError) throw mergeError(key, nodeName, error.message);
    throw error;
  }
}

function mergeMinus(target: FmfMapping, key: string, value: FmfValue, nodeName: string): void {
  if (!hasKey(target, key)) return;
  const existing = target[key];
  const isNumber = (candidate: FmfValue) =>
    typeof candidate === 'number' || typeof candidate === 'bigint' || typeof candidate === 'boolean' || candidate instanceof FmfFloat;
  if (isNumber(existing) && isNumber(value)) {
    target[key] = pyArithmetic(existing, value, '-');
  } else if (typeof existing === 'string' && typeof value === 'string') {
    target[key] = pySub(value, '', existing);
  } else if (Array.isArray(existing) && Array.isArray(value)) {
    target[key] = existing.filter((item) => !value.some((removed) => pyEquals(item, removed)));
  } else if (isMapping(existing) && Array.isArray(value)) {
    for (const removed of value) delete existing[typeof removed === 'string' ? removed : pyStr(removed)];
  } else {
    throw mergeError(key, nodeName, 'wrong type');
  }
}

function patternList(value: FmfValue, key: string, nodeName: string): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value) && value.every((item): item is string => typeof item === 'string')) return value;
  throw mergeError(key, nodeName, `patterns must be a string or a list of strings, got ${pyRepr(value)}`);
}

function matchesAnyPattern(candidate: FmfValue, patterns: string[]): boolean {
  const text = pyStr(candidate);
  return patterns.some((pattern) => pySearch(pattern, text));
}

function mergeMinusRegex(target: FmfMapping, key: string, value: FmfValue, nodeName: string): void {
  if (!hasKey(target, key)) return;
  const patterns = patternList(value, key, nodeName);
  const existing = target[key];
  if (Array.isArray(existing)) {
    target[key] = existing.filter((item) => !matchesAnyPattern(item, patterns));
  } else if (typeof existing === 'string') {
    if (matchesAnyPattern(existing, patterns)) target[key] = '';
  } else if (isMapping(existing)) {
    for (const entryKey of Object.keys(existing)) {
      if (matchesAnyPattern(entryKey, patterns)) delete existing[entryKey];
    }
  } else {
    throw mergeError(key, nodeName, 'wrong type');
  }
}

/** `<d>pattern<d>replacement<d>`: the first character is the delimiter; no escaping. */
export function splitPatternReplacement(source: string): { pattern: string; replacement: string } {
  if (source.length === 0) throw new FmfError('FormatError', `'${source}' has to start and end with the same delimiter.`);
  const delimiter = source[0];
  if (source[source.length - 1] !== delimiter) throw new FmfError('FormatError', `'${source}' has to end with '${delimiter}'.`);
  const parts = source.slice(1, -1).split(delimiter);
  if (source.length < 2 || parts.length !== 2) throw new FmfError('FormatError', `'${source}' can't be split in two parts`);
  const [pattern, replacement] = parts;
  if (!pattern) throw new FmfError('FormatError', `Pattern cannot be empty: '${source}'.`);
  return { pattern, replacement };
}

function mergeSubstitute(target: FmfMapping, key: string, value: FmfValue, nodeName: string): void {
  if (!hasKey(target, key)) return;
  const substitutions = patternList(value, key, nodeName).map(splitPatternReplacement);
  for (const { pattern, replacement } of substitutions) {
    const existing = target[key];
    if (Array.isArray(existing)) {
      target[key] = existing.map((item) => {
        if (typeof item !== 'string') throw mergeError(key, nodeName, 'not a string');
        return pySub(pattern, replacement, item);
      });
    } else if (typeof existing === 'string') {
      target[key] = pySub(pattern, replacement, existing);
    } else {
      throw mergeError(key, nodeName, 'wrong type');
    }
  }
}
