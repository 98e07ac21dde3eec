import type { FieldIssue } from './field-issue';

/**
 * "KEY=VALUE" items (command-line options, query parameters, form lines) as a
 * record. Each item without "=" or with an empty key is reported by position.
 */
export function parsePairs(items: readonly string[], field: string): { values: Record<string, string>; issues: FieldIssue[] } {
  const values: Record<string, string> = {};
  const issues: FieldIssue[] = [];
  items.forEach((item, index) => {
    const separator = item.indexOf('=');
    if (separator <= 0) issues.push({ path: `${field}.${index}`, message: `expected KEY=VALUE, got "${item}"` });
    else values[item.slice(0, separator).trim()] = item.slice(separator + 1).trim();
  });
  return { values, issues };
}

/** Splits a text field into items: one per line, or (for one-line fields) separated by spaces. */
export function pairItems(text: string, separator: 'lines' | 'spaces'): string[] {
  return text
    .split(separator === 'lines' ? /\r?\n/ : /\s+/)
    .map((item) => item.trim())
    .filter(Boolean);
}
