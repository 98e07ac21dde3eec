import type { ControlLimits } from './index';

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;

export const defaultControlLimits: ControlLimits = {
  maxLineBytes: 4096,
  maxResultJsonBytes: 1 * MiB,
  maxFileBytes: 16 * GiB,
  maxTotalBytes: 64 * GiB,
  maxPendingPartials: 1000,
};
