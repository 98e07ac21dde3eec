const secondsPerUnit: Record<string, number> = { '': 1, s: 1, m: 60, h: 60 * 60, d: 24 * 60 * 60 };

const durationPart = /^([0-9]+(?:\.[0-9]+)?)([smhd]?)$/;

/**
 * Parses an fmf duration into seconds: `30`, `30s`, `5m`, `2h`, `1d`, or a
 * whitespace-separated sum such as `1h 30m`. Throws a RangeError naming the
 * problem otherwise.
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
