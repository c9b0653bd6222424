/**
 * A least-recently-used cache bounded by the bytes it holds rather than its entry count: object
 * sizes range from a few bytes to hundreds of megabytes, so a count bound says nothing about
 * memory. A Map keeps insertion order, which doubles as recency order when hits re-insert.
 */

/** Counters since the cache was created. */
export interface CacheStats {
  readonly hits: number;
  readonly misses: number;
  readonly evictions: number;
  /** Bytes held now. */
  readonly bytes: number;
  readonly entries: number;
  readonly maxBytes: number;
}

export class ByteLruCache<K = string> {
  readonly maxBytes: number;
  private readonly entries = new Map<K, Uint8Array>();
  private held = 0;
  private hits = 0;
  private misses = 0;
  private evictions = 0;

  /** @param maxBytes the byte budget; 0 disables caching (every lookup misses). */
  constructor(maxBytes: number) {
    if (!Number.isSafeInteger(maxBytes) || maxBytes < 0) throw new RangeError(`cache budget must be a non-negative integer of bytes, got ${maxBytes}`);
    this.maxBytes = maxBytes;
  }

  /** The bytes under `key`, marking them most recently used; counts a hit or a miss. */
  get(key: K): Uint8Array | undefined {
    const value = this.entries.get(key);
    if (value === undefined) {
      this.misses++;
      return undefined;
    }
    this.hits++;
    this.entries.delete(key);
    this.entries.set(key, value);
    return value;
  }

  /**
   * Stores `value` under `key`, evicting least recently used entries until it fits. A value
   * larger than the whole budget is not stored (and evicts nothing): caching it would empty the
   * cache for one entry that is unlikely to be read again before it goes.
   */
  set(key: K, value: Uint8Array): boolean {
    this.delete(key);
    if (value.byteLength > this.maxBytes) return false;
    while (this.held + value.byteLength > this.maxBytes) {
      const oldest = this.entries.keys().next();
      if (oldest.done) break;
      this.remove(oldest.value);
      this.evictions++;
    }
    this.entries.set(key, value);
    this.held += value.byteLength;
    return true;
  }

  /** Drops `key` if present (not counted as an eviction). */
  delete(key: K): boolean {
    if (!this.entries.has(key)) return false;
    this.remove(key);
    return true;
  }

  /** Drops every entry whose key satisfies `match`; returns how many went. */
  deleteWhere(match: (key: K) => boolean): number {
    let n = 0;
    for (const key of [...this.entries.keys()]) if (match(key) && this.delete(key)) n++;
    return n;
  }

  clear(): void {
    this.entries.clear();
    this.held = 0;
  }

  stats(): CacheStats {
    return { hits: this.hits, misses: this.misses, evictions: this.evictions, bytes: this.held, entries: this.entries.size, maxBytes: this.maxBytes };
  }

  private remove(key: K): void {
    const value = this.entries.get(key)!;
    this.entries.delete(key);
    this.held -= value.byteLength;
  }
}
