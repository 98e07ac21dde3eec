/**
 * Memoises a pure function of a string (compiled regexes, parsed rules and
 * filters). Bounded, because a long-running service sees unbounded input:
 * when full, the cache starts over.
 */
export function memoByText<T>(compute: (text: string) => T, limit = 10_000): (text: string) => T {
  const cache = new Map<string, T>();
  return (text) => {
    const cached = cache.get(text);
    if (cached !== undefined) return cached;
    const value = compute(text);
    if (cache.size >= limit) cache.clear();
    cache.set(text, value);
    return value;
  };
}
