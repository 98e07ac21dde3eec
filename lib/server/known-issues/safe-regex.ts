import { setFlagsFromString } from 'node:v8';
import { z } from 'zod';

// V8's linear-time engine (the `l` flag): no backtracking, so a pattern's running time is linear in the text
// whatever the pattern, and patterns it cannot run that way (backreferences, lookaround) are refused when compiled.
// The flag is read only when a pattern is compiled.
setFlagsFromString('--enable-experimental-regexp-engine');

export const patternLimits = {
  patternLength: 500,
  /** Output lines are matched up to this many characters. */
  lineLength: 4096,
  /** Output past this many bytes is not searched. */
  outputBytes: 32 * 1024 * 1024,
} as const;

/** Why a user's pattern cannot be used, or null. */
export function patternProblem(pattern: string): string | null {
  if (pattern.length > patternLimits.patternLength) return `longer than ${patternLimits.patternLength} characters`;
  try {
    new RegExp(pattern, 'l');
    return null;
  } catch (error) {
    const message = (error as Error).message;
    return message.includes('linear time')
      ? 'uses a feature that cannot run in linear time (a backreference or lookaround)'
      : `not a valid regular expression (${message.replace(/^Invalid regular expression: /, '')})`;
  }
}

/** Compiles a pattern checked by `patternProblem`. */
export function compileSafePattern(pattern: string): RegExp {
  return new RegExp(pattern, 'l');
}

/** A user-supplied regular expression (JavaScript syntax, searched anywhere in the text, linear-time subset). */
export const safePattern = z
  .string()
  .min(1)
  .superRefine((pattern, context) => {
    const problem = patternProblem(pattern);
    if (problem) context.addIssue({ code: 'custom', message: problem });
  });
