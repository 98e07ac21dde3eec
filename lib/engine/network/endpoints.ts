export const publicTestingFarmUrl = 'https://api.testing-farm.io';

/** An API base URL in one spelling (no trailing slash), or null when it is not plain http(s). */
export function normaliseApiUrl(url: string): string | null {
  try {
    const parsed = new URL(url);
    if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') return null;
    if (parsed.username || parsed.password || parsed.search || parsed.hash) return null;
    return parsed.toString().replace(/\/+$/, '');
  } catch {
    return null;
  }
}
