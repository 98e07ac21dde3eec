import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parseJson, type JsonObject, type JsonValue } from '../control/json';
import { messageOf } from '../../shared/errors';

/** One line of an attempt's `results` file, as atex's exports read it. */
export interface ResultLine {
  /** The parsed line, keys in written order (for byte-faithful re-serialising). */
  raw: JsonObject;
  status: string | null;
  /** Sub-result name; null for the test's own result. */
  name: string | null;
  note: string | null;
  files: string[];
  /** File (inside the result's folder) holding the test output, when the result has one. */
  testout: string | null;
}

/** Reads `<artifactsDir>/results` (JSON Lines); a missing file is no results. */
export async function readResultLines(artifactsDir: string): Promise<ResultLine[]> {
  const file = path.join(artifactsDir, 'results');
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  const lines: ResultLine[] = [];
  let start = 0;
  for (let lineNumber = 1; start < bytes.length; lineNumber++) {
    const end = bytes.indexOf(0x0a, start);
    const stop = end < 0 ? bytes.length : end;
    if (stop > start) lines.push(resultLine(bytes.subarray(start, stop), `${file}:${lineNumber}`));
    start = stop + 1;
  }
  return lines;
}

function resultLine(bytes: Uint8Array, where: string): ResultLine {
  let value: JsonValue;
  try {
    value = parseJson(bytes);
  } catch (error) {
    throw new Error(`${where}: not a JSON result: ${messageOf(error)}`);
  }
  if (!(value instanceof Map)) throw new Error(`${where}: a result must be a JSON object`);
  const files = value.get('files');
  return {
    raw: value,
    status: stringOrNull(value.get('status')),
    name: stringOrNull(value.get('name')),
    note: stringOrNull(value.get('note')),
    files: Array.isArray(files) ? files.filter((item): item is string => typeof item === 'string') : [],
    testout: stringOrNull(value.get('testout')),
  };
}

function stringOrNull(value: JsonValue | undefined): string | null {
  return typeof value === 'string' ? value : null;
}

/** The test's own result: the last line without a name. */
export function ownResult(lines: readonly ResultLine[]): ResultLine | undefined {
  return lines.findLast((line) => line.name === null);
}
