import { FmfError } from './errors';
import { pyStr, type FmfValue } from './values';

/** The duration a test gets when its metadata has none (atex and tmt default). */
export const DEFAULT_DURATION = '5m';

const secondsPerUnit: Record<string, number> = { '': 1, s: 1, m: 60, h: 60 * 60, d: 24 * 60 * 60 };

const durationPart = /^([0-9]+(?:\.[0-9]+)?)([smhd]?)$/;

/**
 * An fmf duration in seconds: `30`, `30s`, `5m`, `2h`, `1d`, `1.5h`, or a
 * whitespace-separated sum such as `1h 30m`. The one grammar for test
 * metadata and for the test-control `duration` word. Throws a RangeError
 * naming the problem otherwise.
 */
export function parseFmfDuration(text: string): number {
  const parts = text.trim().split(/\s+/);
  let seconds = 0;
  for (const part of parts) {
    const match = durationPart.exec(part);
    if (!match) throw new RangeError(`invalid fmf duration '${text}'`);
    seconds += Number(match[1]) * secondsPerUnit[match[2]];
  }
  if (!Number.isFinite(seconds)) throw new RangeError(`fmf duration '${text}' is too large`);
  return seconds;
}

/** A test's `duration` metadata in seconds, failing as fmf does on a value it cannot read. */
export function durationToSeconds(duration: FmfValue): number {
  const text = pyStr(duration);
  try {
    return parseFmfDuration(text);
  } catch {
    throw new FmfError('ValueError', `invalid fmf duration format: ${text}`);
  }
}
