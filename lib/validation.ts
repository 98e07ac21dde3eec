import { z } from 'zod';
import { compilePythonRegex } from './fmf/pyregex';
import { invalid, type FieldIssue } from './errors';

/** Parses untrusted input, turning every problem into a field path and a reason. */
export function parseInput<Schema extends z.ZodType>(schema: Schema, input: unknown, what = 'input'): z.output<Schema> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const issues: FieldIssue[] = result.error.issues.map((issue) => ({
    path: issue.path.map(String).join('.') || '(root)',
    message: issue.message,
  }));
  const summary = issues.map((issue) => `${issue.path}: ${issue.message}`).join('; ');
  throw invalid(`invalid ${what}: ${summary}`, issues);
}

/** A regular expression as fmf and atex read test names (Python's `re` syntax). */
export const pythonRegex = z.string().min(1).max(1000).refine((pattern) => {
  try {
    compilePythonRegex(pattern);
    return true;
  } catch {
    return false;
  }
}, 'not a valid regular expression');
