import { badReport } from './errors';

/**
 * Splits a test-supplied relative path into safe components. Like atex,
 * control characters become `_` and empty or `.` components are dropped;
 * unlike atex (which silently strips them), an absolute path or a `..`
 * component is refused.
 */
export function toSafePathParts(rawPath: string, description: string): string[] {
  const path = rawPath.replace(/[\x00-\x1f\x7f-\x9f]/g, '_');
  if (path.startsWith('/')) throw badReport(`${description} is an absolute path`);
  const parts = path.split('/').filter((part) => part !== '' && part !== '.');
  if (parts.includes('..')) throw badReport(`${description} contains '..'`);
  return parts;
}
