import type { z } from 'zod';
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
