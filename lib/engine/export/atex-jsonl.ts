import { serializeJson } from '../control/json';
import type { ResultLine } from './results-file';

/**
 * One line of atex's JSONLinesAggregator output:
 * `[platform, status, test name, subtest name, files, note]`, written as
 * Python's `json.dumps` does; values come from the result as the test sent them.
 */
export function atexJsonLine(platform: string, testName: string, result: ResultLine): string {
  const field = (key: string) => result.raw.get(key) ?? null;
  return `${serializeJson([platform, field('status'), testName, field('name'), result.raw.get('files') ?? [], field('note')])}\n`;
}

/** All of one attempt's result lines, in the order the test reported them. */
export function atexJsonLines(platform: string, testName: string, results: readonly ResultLine[]): string {
  return results.map((result) => atexJsonLine(platform, testName, result)).join('');
}
