/**
 * A small in-process cache of database lookups on hot paths (credential
 * checks, model resolution): entries live `ttlMs` at most, the oldest is
 * dropped past `maxEntries`, and invalidation is explicit. A lookup that was
 * running while an invalidation happened does not store its (possibly stale)
 * answer: take `mark()` before the query and pass it to `set()`.
 */
export class TtlCache<V> {
  private readonly entries = new Map<string, { value: V; expiresAt: number }>();
  private generation = 0;

  constructor(
    private readonly ttlMs: number,
    private readonly maxEntries: number,
  ) {}

  get(key: string): V | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt <= Date.now()) {
      this.entries.delete(key);
      return undefined;
    }
    return entry.value;
  }

  /**
   * The cached value, or what `load` finds (stored unless something was
   * invalidated while it ran); a null from `load` is answered, not stored.
   */
  async getOrLoad(key: string, load: () => Promise<V | null>): Promise<V | null> {
    const hit = this.get(key);
    if (hit !== undefined) return hit;
    const mark = this.mark();
    const value = await load();
    if (value !== null) this.set(key, value, mark);
    return value;
  }

  /** The generation a lookup started in; see `set`. */
  mark(): number {
    return this.generation;
  }

  /** Stores a value read since `mark`, unless something was invalidated meanwhile (or caching is off). */
  set(key: string, value: V, mark: number): void {
    if (this.ttlMs <= 0 || mark !== this.generation) return;
    this.entries.delete(key);
    this.entries.set(key, { value, expiresAt: Date.now() + this.ttlMs });
    if (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value as string);
  }

  delete(key: string): void {
    this.generation++;
    this.entries.delete(key);
  }

  deleteWhere(matches: (value: V) => boolean): void {
    this.generation++;
    for (const [key, entry] of this.entries) if (matches(entry.value)) this.entries.delete(key);
  }

  clear(): void {
    this.generation++;
    this.entries.clear();
  }

  get size(): number {
    return this.entries.size;
  }
}
