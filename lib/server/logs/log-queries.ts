import { z } from 'zod';

/** `…/lines`: lines [from, from + count) of a text file. */
export const linesQuery = z.object({
  from: z.coerce.number().int().min(0).max(Number.MAX_SAFE_INTEGER).default(0),
  count: z.coerce.number().int().min(0).max(5000).default(200),
  /** 1: answer once the file's line count is known (stored files only). */
  wait: z.enum(['0', '1']).default('0'),
});

/** `…/search`: lines containing `q`, from line `from` on. */
export const searchQuery = z.object({
  q: z
    .string()
    .min(1)
    .max(1000)
    .refine((text) => !text.includes('\n'), 'searches are within one line'),
  from: z.coerce.number().int().min(0).max(Number.MAX_SAFE_INTEGER).default(0),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  case: z.enum(['sensitive', 'insensitive']).default('sensitive'),
});

/** Which running attempt's output: the result page's platform, test name and attempt number. */
export const attemptQuery = z.object({
  platform: z.string().min(1).max(500),
  test: z.string().min(1).max(5000),
  attempt: z.coerce.number().int().min(1).max(1_000_000),
});
