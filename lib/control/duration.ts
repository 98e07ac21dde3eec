/** Parses an fmf duration (`30`, `30s`, `5m`, `2h`, `1d`, `1h 30m`) into seconds; throws on bad syntax. */
export function parseFmfDuration(text: string): number {
  throw new Error(`not implemented: ${text}`);
}
