import { badReport } from './errors';
import { compareCodePoints, serializeJson, type JsonObject, type JsonValue } from './json';
import { toSafePathParts } from './paths';

/**
 * The names of a result's files, as atex keeps them between receiving a
 * result and writing it: a set (duplicates collapse, partial results union
 * them), written out sorted.
 */
export class FileNameSet {
  readonly names = new Set<string>();

  has(name: string): boolean {
    return this.names.has(name);
  }
}

export type ResultValue = JsonValue | FileNameSet;

/** A result's keys in arrival order, `files` as a FileNameSet, `partial` removed. */
export type ResultFields = Map<string, ResultValue>;

export interface FileAnnouncement {
  /** The name as the test wrote it (what `results` lists). */
  readonly name: string;
  /** Where the bytes go, relative to `files/`. */
  readonly pathParts: readonly string[];
  readonly length: number;
}

export interface ReportedResult {
  /** `name` of the result; null for the test itself. */
  readonly name: string | null;
  readonly partial: boolean;
  readonly fields: ResultFields;
  /** File bodies that follow the JSON in the stream, in order. */
  readonly files: readonly FileAnnouncement[];
}

/**
 * Checks one decoded `result` JSON completely before any of its file bodies
 * is read, so a bad entry never leaves half a result behind.
 */
export function validateResult(decoded: JsonValue, maxFileBytes: number): ReportedResult {
  if (!(decoded instanceof Map)) throw badReport(`result must be a JSON object, got ${describeJsonType(decoded)}`);
  const fields: ResultFields = new Map(decoded);

  const name = fields.get('name');
  if (name !== undefined && (typeof name !== 'string' || name === '')) {
    throw badReport(`'name' must be a non-empty string, got ${describeJsonType(name)}`);
  }

  const partial = fields.get('partial');
  if (partial !== undefined && typeof partial !== 'boolean') {
    throw badReport(`'partial' must be true or false, got ${describeJsonType(partial)}`);
  }
  fields.delete('partial');

  const testout = fields.get('testout');
  if (testout !== undefined) {
    if (testout === '' || testout === null) throw badReport("'testout' specified, but empty");
    if (typeof testout !== 'string') throw badReport(`'testout' must be a string, got ${describeJsonType(testout)}`);
  }

  const files = readFileAnnouncements(fields.get('files'), name ?? null, maxFileBytes);
  if (files) fields.set('files', files.names);

  if (typeof testout === 'string') {
    const testoutPath = resultFilePath(name ?? null, testout, 'testout');
    const clash = files?.announcements.find((file) => file.pathParts.join('/') === testoutPath.join('/'));
    if (clash) throw badReport(`testout '${testout}' is also listed in files as '${clash.name}'`);
  }

  return { name: name ?? null, partial: partial === true, fields, files: files?.announcements ?? [] };
}

function readFileAnnouncements(
  value: ResultValue | undefined,
  resultName: string | null,
  maxFileBytes: number,
): { names: FileNameSet; announcements: FileAnnouncement[] } | undefined {
  if (value === undefined) return undefined;
  if (!Array.isArray(value)) throw badReport(`'files' must be a list, got ${describeJsonType(value)}`);
  const names = new FileNameSet();
  const announcements = value.map((entry): FileAnnouncement => {
    if (!(entry instanceof Map)) throw badReport(`file entry must be an object, got ${describeJsonType(entry)}`);
    const name = entry.get('name');
    const length = entry.get('length');
    if (typeof name !== 'string' || name === '' || length === undefined || length === null) {
      throw badReport(`file entry missing 'name' or 'length': ${serializeJson(entry)}`);
    }
    names.names.add(name);
    return {
      name,
      pathParts: resultFilePath(resultName, name, 'file'),
      length: readFileLength(name, length, maxFileBytes),
    };
  });
  return { names, announcements };
}

/** atex takes `int(length)`; a decimal string or a whole float therefore works too. */
function readFileLength(fileName: string, length: JsonValue, maxFileBytes: number): number {
  let bytes: number;
  if (typeof length === 'string' && /^[0-9]+$/.test(length)) bytes = Number(length);
  else if (length instanceof Map || Array.isArray(length) || typeof length !== 'object' || length === null) {
    throw badReport(`file entry ${fileName} length: must be a non-negative integer, got ${describeJsonType(length)}`);
  } else bytes = length.kind === 'integer' ? Number(length.digits) : length.value;
  if (!Number.isInteger(bytes) || bytes < 0) {
    throw badReport(`file entry ${fileName} length: must be a non-negative integer, got ${serializeJson(length)}`);
  }
  if (bytes > maxFileBytes) {
    throw badReport(`file entry ${fileName} length ${bytes} is over the limit of ${maxFileBytes} bytes`);
  }
  return bytes;
}

/** Path of a result's file relative to `files/`: the result name's folder, then the file name. */
export function resultFilePath(resultName: string | null, fileName: string, what: 'file' | 'testout'): string[] {
  const folder = resultName === null ? [] : toSafePathParts(resultName, `result name '${resultName}'`);
  const file = toSafePathParts(fileName, `${what} name '${fileName}'`);
  if (file.length === 0) throw badReport(`${what} name '${fileName}' does not name a file`);
  return [...folder, ...file];
}

/**
 * atex's merge of a result into a held `partial` one: null deletes, new keys
 * are added, lists are appended, objects merge recursively, file name sets
 * are unioned, anything else (or a change of type) is replaced.
 */
export function mergeResultFields(target: Map<string, ResultValue>, update: Map<string, ResultValue>): void {
  for (const [key, value] of update) {
    if (value === null) {
      target.delete(key);
      continue;
    }
    const current = target.get(key);
    if (current instanceof FileNameSet && value instanceof FileNameSet) {
      for (const name of value.names) current.names.add(name);
    } else if (Array.isArray(current) && Array.isArray(value)) {
      for (const item of value) current.push(item);
    } else if (current instanceof Map && value instanceof Map) {
      mergeResultFields(current, value);
    } else {
      target.set(key, value);
    }
  }
}

/** The object written to `results`: files sorted, the testout name (if any) first. */
export function toResultLine(fields: ResultFields): JsonObject {
  const line: JsonObject = new Map();
  for (const [key, value] of fields) {
    line.set(key, value instanceof FileNameSet ? [...value.names].sort(compareCodePoints) : value);
  }
  const testout = line.get('testout');
  if (typeof testout === 'string') {
    line.delete('testout');
    const files = line.get('files');
    if (Array.isArray(files)) files.unshift(testout);
    else line.set('files', [testout]);
  }
  return line;
}

/** Bytes a held result would take as a `results` line; what bounds a pending partial's memory. */
export function resultLineSize(fields: ResultFields): number {
  return Buffer.byteLength(serializeJson(toResultLine(fields)));
}

function describeJsonType(value: ResultValue): string {
  if (value === null) return 'null';
  if (value instanceof FileNameSet || Array.isArray(value)) return 'a list';
  if (value instanceof Map) return 'an object';
  if (typeof value === 'object') return value.kind === 'integer' ? 'an integer' : 'a number';
  return `a ${typeof value}`;
}
