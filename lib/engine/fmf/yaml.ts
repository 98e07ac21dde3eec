import { readFileSync } from 'node:fs';
import { LineCounter, parseDocument, isAlias, isMap, isPair, isScalar, isSeq, type Document, type Node as YamlNode, Scalar } from 'yaml';
import { FmfError } from './errors';
import { parseFastYaml } from './yaml-fast';
import { FmfDate, FmfFloat, FmfSet, FmfTimestamp, jsonKeyText, newMapping, pyEquals, pyInt, type FmfScalar, type FmfValue } from './values';
import { messageOf } from '../../shared/errors';

/**
 * YAML loading with the typing of fmf's parser (ruamel.yaml, safe loader,
 * YAML 1.2 rules): `yes`/`on` are strings, `017` is 17, `1_000` is 1000,
 * dates become dates. The `yaml` package parses (with line/column errors);
 * scalars are typed here so that every rule is explicit. A `%YAML 1.1`
 * directive is ignored, as the reference's C parser does.
 */

/** A top-level mapping keeps its raw keys: fmf treats non-string keys there as errors. */
export type YamlDocument = { kind: 'mapping'; entries: [FmfScalar, FmfValue][] } | { kind: 'null' } | { kind: 'other'; value: FmfValue };

const boolPattern = /^(?:true|True|TRUE|false|False|FALSE)$/;
const nullPattern = /^(?:~|null|Null|NULL|)$/;
const intPattern = /^(?:[-+]?0b[0-1_]+|[-+]?0o?[0-7_]+|[-+]?[0-9_]+|[-+]?0x[0-9a-fA-F_]+)$/;
const floatPattern =
  /^(?:[-+]?[0-9][0-9_]*\.[0-9_]*(?:[eE][-+]?[0-9]+)?|[-+]?[0-9][0-9_]*[eE][-+]?[0-9]+|\.[0-9_]+(?:[eE][-+][0-9]+)?|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$/;
const timestampPattern =
  /^(?:([0-9]{4})-([0-9]{2})-([0-9]{2})|([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})(?:[Tt]|[ \t]+)([0-9]{1,2}):([0-9]{2}):([0-9]{2})(?:\.([0-9]*))?(?:[ \t]*(Z|([-+])([0-9]{1,2})(?::([0-9]{2}))?))?)$/;

const yamlTag = (name: string) => `tag:yaml.org,2002:${name}`;

class YamlInputError extends Error {
  constructor(
    message: string,
    readonly offset: number | undefined,
  ) {
    super(message);
  }
}

function parseInt(text: string): number | bigint {
  let digits = text.replace(/_/g, '');
  let negative = false;
  if (digits.startsWith('-') || digits.startsWith('+')) {
    negative = digits.startsWith('-');
    digits = digits.slice(1);
  }
  let value: bigint;
  if (digits.startsWith('0b')) value = BigInt(`0b${digits.slice(2)}`);
  else if (digits.startsWith('0x')) value = BigInt(`0x${digits.slice(2)}`);
  else if (digits.startsWith('0o')) value = BigInt(`0o${digits.slice(2)}`);
  else value = BigInt(digits);
  return pyInt(negative ? -value : value);
}

function parseFloat(text: string): FmfFloat {
  const clean = text.replace(/_/g, '').toLowerCase();
  if (clean.endsWith('.nan')) return new FmfFloat(Number.NaN);
  if (clean.endsWith('.inf')) return new FmfFloat(clean.startsWith('-') ? -Infinity : Infinity);
  return new FmfFloat(Number(clean));
}

function pad(value: string | number, width = 2): string {
  return String(value).padStart(width, '0');
}

function parseTimestamp(text: string): FmfDate | FmfTimestamp | undefined {
  const match = timestampPattern.exec(text);
  if (!match) return undefined;
  if (match[1]) return new FmfDate(`${match[1]}-${match[2]}-${match[3]}`);
  const [, , , , year, month, day, hour, minute, second, fraction, zone, offsetSign, offsetHours, offsetMinutes] = match;
  const micros = Number((fraction ?? '').slice(0, 6).padEnd(6, '0'));
  let epoch = Date.UTC(Number(year), Number(month) - 1, Number(day), Number(hour), Number(minute), Number(second));
  if (zone && zone !== 'Z') {
    const offset = (Number(offsetHours) * 60 + Number(offsetMinutes ?? 0)) * 60_000;
    epoch += offsetSign === '-' ? offset : -offset;
  }
  const moment = new Date(epoch);
  const base =
    `${pad(moment.getUTCFullYear(), 4)}-${pad(moment.getUTCMonth() + 1)}-${pad(moment.getUTCDate())}` +
    `T${pad(moment.getUTCHours())}:${pad(moment.getUTCMinutes())}:${pad(moment.getUTCSeconds())}`;
  return new FmfTimestamp(micros ? `${base}.${pad(micros, 6)}` : base);
}

/** The type of an unquoted, untagged scalar (YAML 1.2 core rules as ruamel applies them). */
export function resolvePlainScalar(text: string): FmfScalar {
  if (nullPattern.test(text)) return null;
  if (boolPattern.test(text)) return text.toLowerCase() === 'true';
  if (intPattern.test(text) && /[0-9]/.test(text)) return parseInt(text);
  if (floatPattern.test(text)) return parseFloat(text);
  return parseTimestamp(text) ?? text;
}

function decodeBase64(text: string, offset: number | undefined): Uint8Array {
  const clean = text.replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(clean)) throw new YamlInputError('failed to decode base64 data', offset);
  return new Uint8Array(Buffer.from(clean, 'base64'));
}

function resolveTaggedScalar(tag: string, text: string, offset: number | undefined): FmfScalar {
  switch (tag) {
    case yamlTag('str'):
    case '!':
      return text;
    case yamlTag('null'):
      return null;
    case yamlTag('bool'):
      if (!boolPattern.test(text)) throw new YamlInputError(`invalid boolean '${text}'`, offset);
      return text.toLowerCase() === 'true';
    case yamlTag('int'):
      if (!intPattern.test(text) || !/[0-9]/.test(text)) throw new YamlInputError(`invalid integer '${text}'`, offset);
      return parseInt(text);
    case yamlTag('float'): {
      if (floatPattern.test(text)) return parseFloat(text);
      if (intPattern.test(text) && /[0-9]/.test(text)) return new FmfFloat(Number(parseInt(text)));
      throw new YamlInputError(`invalid float '${text}'`, offset);
    }
    case yamlTag('timestamp'): {
      const value = parseTimestamp(text);
      if (!value) throw new YamlInputError(`invalid timestamp '${text}'`, offset);
      return value;
    }
    case yamlTag('binary'):
      return decodeBase64(text, offset);
    default:
      throw new YamlInputError(`could not determine a constructor for the tag '${tag}'`, offset);
  }
}

class Converter {
  constructor(private readonly document: Document) {}

  value(node: YamlNode | null | undefined): FmfValue {
    if (node === null || node === undefined) return null;
    if (isAlias(node)) {
      const target = node.resolve(this.document);
      if (!target) throw new YamlInputError(`found undefined alias '${node.source}'`, node.range?.[0]);
      return this.value(target);
    }
    const offset = node.range?.[0];
    if (isScalar(node)) {
      const text = String(node.source ?? node.value ?? '');
      if (node.tag) return resolveTaggedScalar(node.tag, text, offset);
      return node.type === Scalar.PLAIN ? resolvePlainScalar(text) : text;
    }
    if (isSeq(node)) {
      if (node.tag === yamlTag('omap') || node.tag === yamlTag('pairs')) {
        const mapping = newMapping();
        for (const item of node.items) {
          // The yaml package already turns `- key: value` items of an !!omap into pairs.
          const entries = isPair(item) ? [this.pairEntry(item.key as YamlNode, item.value as YamlNode)] : this.entries(item as YamlNode);
          if (entries.length !== 1) throw new YamlInputError('expected a single mapping item in !!omap', offset);
          mapping[this.keyText(entries[0][0], offset)] = entries[0][1];
        }
        return mapping;
      }
      if (node.tag && node.tag !== yamlTag('seq'))
        throw new YamlInputError(`could not determine a constructor for the tag '${node.tag}'`, offset);
      return node.items.map((item) => this.value(item as YamlNode));
    }
    if (isMap(node)) {
      if (node.tag === yamlTag('set')) return new FmfSet(this.entries(node).map(([key]) => key));
      if (node.tag && node.tag !== yamlTag('map'))
        throw new YamlInputError(`could not determine a constructor for the tag '${node.tag}'`, offset);
      const mapping = newMapping();
      for (const [key, value] of this.entries(node)) mapping[this.keyText(key, offset)] = value;
      return mapping;
    }
    throw new YamlInputError('unsupported YAML node', offset);
  }

  private pairEntry(keyNode: YamlNode, valueNode: YamlNode): [FmfScalar, FmfValue] {
    return [this.value(keyNode) as FmfScalar, this.value(valueNode)];
  }

  private keyText(key: FmfScalar, offset: number | undefined): string {
    if (key instanceof Uint8Array) throw new YamlInputError('found unhashable key', offset);
    return typeof key === 'string' ? key : jsonKeyText(key);
  }

  /** A mapping's entries in order, with `<<` merge keys expanded first (own keys win) and duplicates rejected. */
  entries(node: YamlNode): [FmfScalar, FmfValue][] {
    const target = isAlias(node) ? node.resolve(this.document) : node;
    if (!isMap(target)) throw new YamlInputError('expected a mapping', node.range?.[0]);
    const merged: [FmfScalar, FmfValue][] = [];
    const own: [FmfScalar, FmfValue][] = [];
    for (const pair of target.items) {
      const keyNode = pair.key as YamlNode | null;
      const offset = keyNode?.range?.[0] ?? target.range?.[0];
      if (isScalar(keyNode) && !keyNode.tag && keyNode.type === Scalar.PLAIN && keyNode.source === '<<') {
        const sources = isSeq(pair.value) ? (pair.value.items as YamlNode[]) : [pair.value as YamlNode];
        for (const source of sources) {
          for (const entry of this.entries(source)) {
            if (!own.some(([key]) => pyEquals(key, entry[0])) && !merged.some(([key]) => pyEquals(key, entry[0]))) merged.push(entry);
          }
        }
        continue;
      }
      const key = this.value(keyNode);
      if (
        typeof key === 'object' &&
        key !== null &&
        !(key instanceof FmfFloat) &&
        !(key instanceof FmfDate) &&
        !(key instanceof FmfTimestamp)
      ) {
        throw new YamlInputError('found unhashable key', offset);
      }
      if (own.some(([existing]) => pyEquals(existing, key))) {
        throw new YamlInputError(`found duplicate key "${String(keyNode && isScalar(keyNode) ? keyNode.source : key)}"`, offset);
      }
      own.push([key, this.value(pair.value as YamlNode)]);
    }
    const ownKeys = own.map(([key]) => key);
    return [...merged.filter(([key]) => !ownKeys.some((ownKey) => pyEquals(ownKey, key))), ...own];
  }
}

function position(lineCounter: LineCounter, offset: number | undefined): string {
  if (offset === undefined) return '';
  const { line, col } = lineCounter.linePos(offset);
  return ` at line ${line}, column ${col}`;
}

/** Parses YAML text; errors are FileError naming the file, line and column. */
export function parseYaml(text: string, fileName: string): YamlDocument {
  return parseFastYaml(text, resolvePlainScalar) ?? parseYamlWithLibrary(text, fileName);
}

/** Parses with the `yaml` library only (the fast path's reference). */
export function parseYamlWithLibrary(text: string, fileName: string): YamlDocument {
  const lineCounter = new LineCounter();
  const document = parseDocument(text, {
    schema: 'failsafe',
    uniqueKeys: false,
    merge: false,
    lineCounter,
    strict: true,
    prettyErrors: false,
  });
  const failure = document.errors[0];
  if (failure) {
    const message = failure.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '');
    throw new FmfError('FileError', `Failed to parse '${fileName}'${position(lineCounter, failure.pos[0])}: ${message}`);
  }
  const converter = new Converter(document);
  try {
    const root = document.contents as YamlNode | null;
    if (root === null) return { kind: 'null' };
    if (isMap(root) && !root.tag) return { kind: 'mapping', entries: converter.entries(root) };
    const value = converter.value(root);
    return value === null ? { kind: 'null' } : { kind: 'other', value };
  } catch (error) {
    if (!(error instanceof YamlInputError)) throw error;
    throw new FmfError('FileError', `Failed to parse '${fileName}'${position(lineCounter, error.offset)}: ${error.message}`);
  }
}

/** Reads a file as strict UTF-8 (a decode error is reported as the reference's UnicodeDecodeError). */
export function readUtf8(path: string): string {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new FmfError(code === 'ENOENT' ? 'FileNotFoundError' : 'FileError', `Unable to read '${path}': ${messageOf(error)}`);
  }
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    const firstBad = findInvalidUtf8Offset(bytes);
    throw new FmfError(
      'UnicodeDecodeError',
      `'${path}' is not valid UTF-8 (byte 0x${bytes[firstBad]?.toString(16)} at position ${firstBad})`,
    );
  }
}

/** The offset of the first byte that makes the text invalid UTF-8 (a prefix's validity is monotonic, so bisect). */
function findInvalidUtf8Offset(bytes: Buffer): number {
  const prefixIsValid = (length: number) => {
    try {
      new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(0, length), { stream: true });
      return true;
    } catch {
      return false;
    }
  };
  let valid = 0;
  let invalid = bytes.length;
  while (invalid - valid > 1) {
    const middle = Math.floor((valid + invalid) / 2);
    if (prefixIsValid(middle)) valid = middle;
    else invalid = middle;
  }
  // The first failing byte may end an incomplete sequence: report where that sequence starts.
  const failing = invalid - 1;
  let start = failing - 1;
  while (start >= 0 && failing - start <= 3 && (bytes[start] & 0xc0) === 0x80) start--;
  return start >= 0 && failing - start <= 3 && bytes[start] >= 0xc0 ? start : failing;
}

export function loadYamlFile(path: string): YamlDocument {
  return parseYaml(readUtf8(path), path);
}
