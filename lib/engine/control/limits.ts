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

/** The smallest value of each limit (no schema library: every CLI run loads this module). */
const smallest: Record<keyof ControlLimits, { value: number; why?: string }> = {
  maxLineBytes: { value: 2, why: 'a control line needs at least one byte and its newline' },
  maxResultJsonBytes: { value: 1 },
  maxFileBytes: { value: 0 },
  maxTotalBytes: { value: 1 },
  maxPendingPartials: { value: 1 },
};

/** Defaults overridden by `overrides`; throws a readable error for a bad value or an unknown key. */
export function resolveControlLimits(overrides: Partial<ControlLimits> = {}): ControlLimits {
  // every attempt resolves its limits, most with no overrides
  if (Object.keys(overrides).length === 0) return defaultControlLimits;
  const problems: string[] = [];
  for (const [key, value] of Object.entries(overrides) as Array<[string, unknown]>) {
    const bound = Object.hasOwn(smallest, key) ? smallest[key as keyof ControlLimits] : undefined;
    if (!bound) problems.push(`${key}: not a control limit`);
    else if (typeof value !== 'number' || !Number.isSafeInteger(value))
      problems.push(`${key}: must be a whole number, got ${String(value)}`);
    else if (value < bound.value) problems.push(`${key}: ${bound.why ?? `must be at least ${bound.value}`}, got ${value}`);
  }
  if (problems.length) throw new RangeError(`invalid control limits: ${problems.join('; ')}`);
  return { ...defaultControlLimits, ...overrides };
}
