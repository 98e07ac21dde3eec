import { serializeJson, type JsonObject, type JsonValue } from '../control/json';
import type { ResultLine } from './results-file';

/**
 * One line of atex's JSONLinesAggregator output:
 * `[platform, status, test name, subtest name, files, note]`, written as
 * Python's `json.dumps` does; values come from the result as the test sent them.
 * `annotations` (e.g. the waiver of a waived failure) become a seventh element
 * when there are any; the status stays the one the test reported.
 */
export function atexJsonLine(platform: string, testName: string, result: ResultLine, annotations?: JsonObject): string {
  const field = (key: string) => result.raw.get(key) ?? null;
  const line: JsonValue[] = [platform, field('status'), testName, field('name'), result.raw.get('files') ?? [], field('note')];
  if (annotations) line.push(annotations);
  return `${serializeJson(line)}\n`;
}

/** All of one attempt's result lines, in the order the test reported them. */
export function atexJsonLines(platform: string, testName: string, results: readonly ResultLine[]): string {
  return results.map((result) => atexJsonLine(platform, testName, result)).join('');
}
