/**
 * The object store: materializes `ObjectRef`s into bytes on demand, through the backend that
 * serves the reference's scheme. It owns what holds across backends — the maximum object size,
 * the byte-budget cache, de-duplication of concurrent reads of the same reference, and the
 * reference counts of objects sluice itself creates.
 */

import { SluiceError } from "../../kernels/errors.js";
import { ByteLruCache, type CacheStats } from "./byte-lru-cache.js";
import { FileObjectBackend, type FileBackendOptions } from "./file-backend.js";
import { HttpObjectBackend, type HttpBackendOptions } from "./http-backend.js";
import { MemoryObjectBackend } from "./memory-backend.js";
import { isWritableBackend, type ObjectBackend, type PutOptions, type WritableObjectBackend } from "./object-backend.js";
import { fetchError, refKey, schemeOf, toObjectRef, type ObjectRef, type ObjectRefLike } from "./object-uri.js";

/** Default largest object: big enough for a 4K frame or a long document, small enough to refuse a disk image. */
export const DEFAULT_MAX_OBJECT_BYTES = 256 * 1024 * 1024;

export interface ObjectStoreOptions {
  readonly backends: readonly ObjectBackend[];
  /** Largest range one `get` may return. Default 256 MiB. */
  readonly maxObjectBytes?: number;
  /** Byte budget of the cache of cacheable backends' reads. Default 0 (no cache). */
  readonly cacheBytes?: number;
}

export interface StandardStoreOptions {
  /** Directories `file://` may read; without them `file://` is not served. */
  readonly roots?: readonly string[];
  /** Options of `http(s)://`, or false to not serve it. */
  readonly http?: HttpBackendOptions | false;
  readonly maxObjectBytes?: number;
  readonly cacheBytes?: number;
}

export interface GetOptions {
  readonly signal?: AbortSignal;
}

export class ObjectStore {
  readonly maxObjectBytes: number;
  private readonly byScheme = new Map<string, ObjectBackend>();
  private readonly cache: ByteLruCache<string>;
  private readonly reading = new Map<string, Promise<Uint8Array>>();

  constructor(options: ObjectStoreOptions) {
    this.maxObjectBytes = options.maxObjectBytes ?? DEFAULT_MAX_OBJECT_BYTES;
    if (!Number.isSafeInteger(this.maxObjectBytes) || this.maxObjectBytes < 0) {
      throw new SluiceError(`object store: maxObjectBytes must be a non-negative integer, got ${this.maxObjectBytes}`);
    }
    this.cache = new ByteLruCache(options.cacheBytes ?? 0);
    for (const b of options.backends) {
      for (const s of b.schemes) {
        if (this.byScheme.has(s)) throw new SluiceError(`object store: two backends serve the scheme '${s}:'`);
        this.byScheme.set(s, b);
      }
    }
  }

  /**
   * `memory://` always, `http(s)://` unless `http: false`, `file://` when `roots` are given — the
   * usual store of a job.
   */
  static standard(options: StandardStoreOptions = {}): ObjectStore {
    const backends: ObjectBackend[] = [new MemoryObjectBackend()];
    if (options.http !== false) backends.push(new HttpObjectBackend(options.http ?? {}));
    if (options.roots !== undefined) backends.push(new FileObjectBackend({ roots: options.roots } satisfies FileBackendOptions));
    return new ObjectStore({ backends, maxObjectBytes: options.maxObjectBytes, cacheBytes: options.cacheBytes });
  }

  /** The schemes served, e.g. `["memory", "http", "https", "file"]`. */
  get schemes(): string[] {
    return [...this.byScheme.keys()];
  }

  /**
   * The bytes of a reference (its byte range when it has offset/length). Nothing is read until
   * this is called. The result may be shared with the cache or the memory backend: treat it as
   * read-only, and copy it before transferring its buffer to another thread.
   */
  async get(ref: ObjectRefLike, options: GetOptions = {}): Promise<Uint8Array> {
    const r = toObjectRef(ref);
    const backend = this.backendFor(r);
    const read = (): Promise<Uint8Array> => backend.read({ ref: r, maxBytes: this.maxObjectBytes, signal: options.signal });
    if (!backend.cacheable || this.cache.maxBytes === 0) return read();
    const key = refKey(r);
    const hit = this.cache.get(key);
    if (hit) return hit;
    // A caller's abort must not fail other callers, so only reads without a signal are shared.
    if (options.signal) return this.fill(key, read());
    let pending = this.reading.get(key);
    if (!pending) {
      pending = this.fill(key, read()).finally(() => this.reading.delete(key));
      this.reading.set(key, pending);
    }
    return pending;
  }

  /** Stores bytes in the memory backend; the caller holds the returned reference once. */
  put(bytes: Uint8Array, options?: PutOptions): ObjectRef {
    return this.writable("memory", "put").put(bytes, options);
  }

  /** Adds a holder to an object sluice created (`memory://`). */
  retain(ref: ObjectRefLike): void {
    const r = toObjectRef(ref);
    this.writable(schemeOf(r.uri), "retain").retain(r);
  }

  /** Removes a holder; at zero the object is deleted. Returns whether it was deleted. */
  release(ref: ObjectRefLike): boolean {
    const r = toObjectRef(ref);
    return this.writable(schemeOf(r.uri), "release").release(r);
  }

  /** Cache counters: hits, misses, evictions, bytes held. */
  cacheStats(): CacheStats {
    return this.cache.stats();
  }

  /** Drops cached bytes of one URI (every range and version of it), e.g. after it changed. */
  invalidate(uri: string): number {
    return this.cache.deleteWhere((key) => key.startsWith(`${uri}\u0000`));
  }

  /** The backend serving a reference's scheme; an unknown scheme is a FetchError naming the ones served. */
  backendFor(ref: ObjectRef): ObjectBackend {
    const scheme = schemeOf(ref.uri);
    const b = this.byScheme.get(scheme);
    if (!b) throw fetchError(ref, `no backend for the scheme '${scheme}:' (this store serves ${this.schemes.map((s) => `${s}:`).join(", ") || "nothing"})`);
    return b;
  }

  private async fill(key: string, reading: Promise<Uint8Array>): Promise<Uint8Array> {
    const bytes = await reading;
    this.cache.set(key, bytes);
    return bytes;
  }

  private writable(scheme: string, what: string): WritableObjectBackend {
    const b = this.byScheme.get(scheme);
    if (!b || !isWritableBackend(b)) {
      throw new SluiceError(`object store: cannot ${what} a '${scheme}:' object; only objects sluice creates (memory:) are stored and reference counted`);
    }
    return b;
  }
}
