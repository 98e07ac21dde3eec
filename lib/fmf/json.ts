import { FmfDate, FmfFloat, FmfSet, FmfTimestamp, pyFloatRepr, type FmfValue } from './values';

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
    return keys.length ? `{${keys.map((key) => `${pad}${JSON.stringify(key)}: ${write(record[key], depth + 1)}`).join(separator)}${close}}` : '{}';
  };
  return write(value, 0);
}
