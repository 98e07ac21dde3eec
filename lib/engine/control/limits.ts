import { z } from 'zod';
import type { ControlLimits } from './index';

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;

export const defaultControlLimits: ControlLimits = Object.freeze({
  maxLineBytes: 4096,
  maxResultJsonBytes: 1 * MiB,
  maxFileBytes: 16 * GiB,
  maxTotalBytes: 64 * GiB,
  maxPendingPartials: 1000,
});

const positiveCount = z.number().int().positive().max(Number.MAX_SAFE_INTEGER);

const controlLimitsSchema = z
  .object({
    maxLineBytes: positiveCount.min(2, 'a control line needs at least one byte and its newline'),
    maxResultJsonBytes: positiveCount,
    maxFileBytes: z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER),
    maxTotalBytes: positiveCount,
    maxPendingPartials: positiveCount,
  })
  .strict();

/** Defaults overridden by `overrides`; throws a readable error for a bad value or an unknown key. */
export function resolveControlLimits(overrides: Partial<ControlLimits> = {}): ControlLimits {
  const parsed = controlLimitsSchema.safeParse({ ...defaultControlLimits, ...overrides });
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.') || 'limits'}: ${issue.message}`);
    throw new RangeError(`invalid control limits: ${problems.join('; ')}`);
  }
  return parsed.data;
}
