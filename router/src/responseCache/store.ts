/** Who may be served a cached response: anyone (PUBLIC) or only the caller it was made for (PRIVATE). */
export type CacheScope = "PUBLIC" | "PRIVATE";

/** Why entries left the store (the evictions metric's `reason`). */
export type EvictionReason = "mutation" | "expired" | "capacity" | "schema";

/** A response kept for later requests. */
export interface CachedResponse {
  /** The response's `data`, as sent the first time; never modified afterwards. */
  readonly data: Record<string, unknown>;
  /** How long it may be served, in seconds from `storedAt`. */
  readonly maxAge: number;
  /** PUBLIC: anyone may be served it; PRIVATE: only the caller it was made for (its key says who). */
  readonly scope: CacheScope;
  /** Milliseconds since the epoch (of the store's clock) when it was stored. */
  readonly storedAt: number;
}

interface Entry extends CachedResponse {
  readonly key: string;
  readonly bytes: number;
  readonly expiresAt: number;
  /** The types its operation selects: a mutation returning one of them evicts it. */
  readonly types: readonly string[];
}

export interface ResponseStoreOptions {
  maxEntries: number;
  maxBytes: number;
  /** The clock (ms since the epoch). Default: Date.now. */
  now?: () => number;
  /** Told of each entry that leaves the store other than by being replaced. Default: none. */
  onEvict?: (reason: EvictionReason, count: number) => void;
}

/**
 * The response cache's memory: entries by key, least recently used first (a Map keeps insertion
 * order; a hit moves its entry to the end), bounded by entries and by bytes, each with its TTL, and
 * indexed by the types its operation selects, so a mutation evicts exactly the entries holding a
 * type it returns.
 *
 * A response computed while a mutation changed one of its types must not be stored afterwards:
 * callers take a `mark()` before computing and hand it to `set`, which refuses an entry whose
 * types (or the whole store) were invalidated since.
 */
export class ResponseStore {
  private readonly entries = new Map<string, Entry>();
  /** Keys of the entries holding each type. */
  private readonly byType = new Map<string, Set<string>>();
  /** The mark at which each type was last invalidated. */
  private readonly invalidated = new Map<string, number>();
  /** The mark at which the whole store was last cleared. */
  private cleared = 0;
  private marks = 0;
  private totalBytes = 0;
  private readonly now: () => number;

  constructor(private readonly options: ResponseStoreOptions) {
    this.now = options.now ?? Date.now;
  }

  /** Entries kept (expired ones included until they are looked up or pushed out). */
  get size(): number {
    return this.entries.size;
  }

  /** Bytes kept: the sum of the entries' sizes. */
  get bytes(): number {
    return this.totalBytes;
  }

  /** The current mark: taken before computing a response that may be stored. */
  mark(): number {
    return this.marks;
  }

  /** The entry under `key`, unless it expired (then it is removed). A hit becomes the most recently used. */
  get(key: string): CachedResponse | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt <= this.now()) {
      this.remove(entry);
      this.options.onEvict?.("expired", 1);
      return undefined;
    }
    this.entries.delete(key);
    this.entries.set(key, entry);
    return entry;
  }

  /**
   * Stores a response under `key` for `maxAge` seconds, `bytes` its size, unless one of `types`
   * was invalidated since `mark` (the response may predate a mutation) or it alone exceeds
   * `maxBytes`. Then evicts the least recently used entries until both bounds hold. Says whether
   * it was stored.
   */
  set(
    key: string,
    response: { data: Record<string, unknown>; maxAge: number; scope: CacheScope },
    { bytes, types, mark }: { bytes: number; types: readonly string[]; mark: number },
  ): boolean {
    if (this.cleared > mark || types.some((type) => (this.invalidated.get(type) ?? 0) > mark)) return false;
    if (bytes > this.options.maxBytes || response.maxAge <= 0) return false;
    const existing = this.entries.get(key);
    if (existing) this.remove(existing);
    const storedAt = this.now();
    const entry: Entry = { ...response, key, bytes, types, storedAt, expiresAt: storedAt + response.maxAge * 1000 };
    this.entries.set(key, entry);
    this.totalBytes += bytes;
    for (const type of types) {
      let keys = this.byType.get(type);
      if (!keys) {
        keys = new Set();
        this.byType.set(type, keys);
      }
      keys.add(key);
    }
    let pushedOut = 0;
    while (this.entries.size > this.options.maxEntries || this.totalBytes > this.options.maxBytes) {
      const oldest = this.entries.values().next().value;
      if (!oldest) break;
      this.remove(oldest);
      pushedOut++;
    }
    if (pushedOut > 0) this.options.onEvict?.("capacity", pushedOut);
    return true;
  }

  /**
   * Evicts every entry holding one of `types`, and refuses to store, from now on, a response
   * computed before (see `mark`). Returns how many entries it evicted.
   */
  invalidate(types: Iterable<string>): number {
    const mark = ++this.marks;
    let evicted = 0;
    for (const type of types) {
      this.invalidated.set(type, mark);
      const keys = this.byType.get(type);
      if (!keys) continue;
      for (const key of [...keys]) {
        const entry = this.entries.get(key);
        if (!entry) continue;
        this.remove(entry);
        evicted++;
      }
    }
    if (evicted > 0) this.options.onEvict?.("mutation", evicted);
    return evicted;
  }

  /** Empties the store (e.g. a new supergraph: types may mean something else), refusing responses computed before. */
  clear(): void {
    this.cleared = ++this.marks;
    const count = this.entries.size;
    this.entries.clear();
    this.byType.clear();
    this.totalBytes = 0;
    if (count > 0) this.options.onEvict?.("schema", count);
  }

  private remove(entry: Entry): void {
    this.entries.delete(entry.key);
    this.totalBytes -= entry.bytes;
    for (const type of entry.types) {
      const keys = this.byType.get(type);
      keys?.delete(entry.key);
      if (keys?.size === 0) this.byType.delete(type);
    }
  }
}
