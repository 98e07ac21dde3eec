import { z } from 'zod';
import { compilePythonRegex } from '../engine/fmf/pyregex';
import type { FieldIssue } from '../shared/field-issue';
import { invalid } from './errors';

/** Bounds on what one request may store (docs/THREAT_MODEL.md lists them). */
export const inputLimits = {
  /** A JSON request body. */
  bodyBytes: 1024 * 1024,
  sshHosts: 256,
  environmentVariables: 256,
  environmentValueLength: 64 * 1024,
  contextDimensions: 64,
  contextValueLength: 256,
  /** A person's display name. */
  nameLength: 100,
} as const;

/** Parses untrusted input, turning every problem into a field path and a reason. */
export function parseInput<Schema extends z.ZodType>(schema: Schema, input: unknown, what = 'input'): z.output<Schema> {
  const unsafe = findUnsafeText(input);
  if (unsafe) throw invalid(`invalid ${what}: ${unsafe.path}: ${unsafe.message}`, [unsafe]);
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const issues: FieldIssue[] = result.error.issues.map((issue) => ({
    path: issue.path.map(String).join('.') || '(root)',
    message: issue.message,
  }));
  const summary = issues.map((issue) => `${issue.path}: ${issue.message}`).join('; ');
  throw invalid(`invalid ${what}: ${summary}`, issues);
}

// A lone surrogate cannot be written as UTF-8: PostgreSQL would store something else, or nothing.
const loneSurrogate = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Why a string cannot be stored as text (a NUL, or not Unicode), or null. */
export function textProblem(text: string): string | null {
  if (text.includes('\0')) return 'contains a NUL character';
  if (loneSurrogate.test(text)) return 'is not valid Unicode (a lone surrogate)';
  return null;
}

/** The first string or object key anywhere in `value` that cannot be stored as text, with its path. */
export function findUnsafeText(value: unknown, at: string[] = []): FieldIssue | null {
  const here = () => at.join('.') || '(root)';
  if (typeof value === 'string') {
    const problem = textProblem(value);
    return problem ? { path: here(), message: problem } : null;
  }
  if (Array.isArray(value)) {
    for (const [index, item] of value.entries()) {
      const found = findUnsafeText(item, [...at, String(index)]);
      if (found) return found;
    }
    return null;
  }
  if (value && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) {
      const problem = textProblem(key);
      if (problem) return { path: [...at, JSON.stringify(key)].join('.'), message: `the key ${problem}` };
      const found = findUnsafeText(item, [...at, key]);
      if (found) return found;
    }
  }
  return null;
}

/** A regular expression as fmf and atex read test names (Python's `re` syntax). */
export const pythonRegex = z
  .string()
  .min(1)
  .max(1000)
  .refine((pattern) => {
    try {
      compilePythonRegex(pattern);
      return true;
    } catch {
      return false;
    }
  }, 'not a valid regular expression');
