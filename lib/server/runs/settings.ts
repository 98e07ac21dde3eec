import { z } from 'zod';
import { fmfContext, provisionerConfig } from '../platforms/spec';

/** What a run was started with beyond repository and plan; stored in Run.settings. */
export const runSettings = z.object({
  reruns: z.number().int().min(0).default(2),
  maxRemotes: z.number().int().min(1).optional(),
  /** fmf context added to (and overriding) each platform's. */
  context: fmfContext.default({}),
  environment: z.record(z.string(), z.string()).default({}),
});
export type RunSettings = z.infer<typeof runSettings>;

/** Test-name filters; stored in Run.filters. */
export const runFilters = z.object({ names: z.array(z.string()).default([]), excludes: z.array(z.string()).default([]) });
export type RunFilters = z.infer<typeof runFilters>;

/** A platform as it was when the run started; stored in RunPlatform.spec. */
export const platformSnapshot = z.object({
  kind: z.string(),
  config: provisionerConfig,
  context: fmfContext,
  maxRemotes: z.number().int().min(1),
  maxSpares: z.number().int().min(0),
  secretId: z.string().nullable(),
});
export type PlatformSnapshot = z.infer<typeof platformSnapshot>;
