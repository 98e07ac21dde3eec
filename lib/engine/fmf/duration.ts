import { FmfError } from './errors';
import { pyStr, type FmfValue } from './values';

/** The duration a test gets when its metadata has none (atex and tmt default). */
export const DEFAULT_DURATION = '5m';

const unitSeconds: Record<string, number> = { '': 1, s: 1, m: 60, h: 3600, d: 86400 };

/**
 * fmf/tmt `duration` to seconds: `300`, `30s`, `5m`, `2h`, `1d` (what atex
 * accepts), and also several parts that add up, as tmt allows (`1h 30m`).
 */
export function durationToSeconds(duration: FmfValue): number {
  const text = pyStr(duration);
  const parts = text.trim().split(/\s+/);
  let total = 0;
  for (const part of parts) {
    const match = /^([0-9]+)([smhd]?)$/.exec(part);
    if (!match) throw new FmfError('ValueError', `invalid fmf duration format: ${text}`);
    total += Number(match[1]) * unitSeconds[match[2]];
  }
  return total;
}
