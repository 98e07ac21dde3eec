/**
 * Promises of slow lookups (git fetches, discoveries) kept for `ttlMs`, at
 * most `limit` of them (the oldest goes first). A rejected lookup is dropped
 * at once so the next call tries again; concurrent callers share one lookup.
 */
export class TimedCache<T> {
  private readonly entries = new Map<string, { value: Promise<T>; expiresAt: number }>();

  constructor(
    private readonly ttlMs: number,
    private readonly limit: number,
  ) {}

  getOrCreate(key: string, create: () => Promise<T>): Promise<T> {
    const now = Date.now();
    const cached = this.entries.get(key);
    if (cached && cached.expiresAt > now) return cached.value;
    this.entries.delete(key);
    const value = create();
    value.catch(() => this.entries.get(key)?.value === value && this.entries.delete(key));
    this.entries.set(key, { value, expiresAt: now + this.ttlMs });
    while (this.entries.size > this.limit) this.entries.delete(this.entries.keys().next().value as string);
    return value;
  }
}
