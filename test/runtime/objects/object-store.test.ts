import { describe, expect, it } from "vitest";
import { FetchError } from "../../../runtime/api/runtime-errors.js";
import {
  ByteLruCache,
  MemoryObjectBackend,
  ObjectStore,
  type ObjectBackend,
  type ReadRequest,
} from "../../../runtime/objects/index.js";

/** A backend that serves `n` bytes for `test://n` and counts reads. */
class CountingBackend implements ObjectBackend {
  readonly schemes = ["test"];
  readonly cacheable = true;
  reads = 0;
  async read({ ref, maxBytes }: ReadRequest): Promise<Uint8Array> {
    this.reads++;
    const n = Number(ref.uri.slice("test://".length));
    if (n > maxBytes) throw new FetchError("too large");
    return new Uint8Array(n).fill(n % 256);
  }
}

describe("ByteLruCache", () => {
  it("evicts least recently used entries to stay within the byte budget", () => {
    const c = new ByteLruCache(100);
    c.set("a", new Uint8Array(40));
    c.set("b", new Uint8Array(40));
    expect(c.get("a")).toBeDefined(); // a is now the most recent
    c.set("c", new Uint8Array(40)); // evicts b, not a
    expect(c.get("b")).toBeUndefined();
    expect(c.get("a")).toBeDefined();
    expect(c.get("c")).toBeDefined();
    expect(c.stats()).toEqual({ hits: 3, misses: 1, evictions: 1, bytes: 80, entries: 2, maxBytes: 100 });
  });

  it("does not store a value larger than the budget, and keeps what it had", () => {
    const c = new ByteLruCache(100);
    c.set("a", new Uint8Array(60));
    expect(c.set("huge", new Uint8Array(101))).toBe(false);
    expect(c.stats()).toMatchObject({ bytes: 60, entries: 1, evictions: 0 });
  });

  it("replacing a key adjusts the byte count", () => {
    const c = new ByteLruCache(100);
    c.set("a", new Uint8Array(60));
    c.set("a", new Uint8Array(10));
    expect(c.stats()).toMatchObject({ bytes: 10, entries: 1 });
  });
});

describe("ObjectStore", () => {
  it("is lazy, caches within the budget, and counts hits, misses and evictions", async () => {
    const backend = new CountingBackend();
    const store = new ObjectStore({ backends: [backend], cacheBytes: 250 });
    expect(backend.reads).toBe(0);
    expect((await store.get("test://100")).length).toBe(100);
    await store.get("test://100");
    expect(backend.reads).toBe(1);
    await store.get("test://101");
    await store.get("test://102"); // 303 bytes > 250: evicts test://100
    expect(store.cacheStats()).toMatchObject({ hits: 1, misses: 3, evictions: 1, entries: 2, bytes: 203 });
    await store.get("test://100");
    expect(backend.reads).toBe(4);
  });

  it("shares one read between concurrent gets of the same reference", async () => {
    const backend = new CountingBackend();
    const store = new ObjectStore({ backends: [backend], cacheBytes: 1000 });
    const [a, b] = await Promise.all([store.get("test://5"), store.get("test://5")]);
    expect(a).toBe(b);
    expect(backend.reads).toBe(1);
  });

  it("does not cache without a budget", async () => {
    const backend = new CountingBackend();
    const store = new ObjectStore({ backends: [backend] });
    await store.get("test://5");
    await store.get("test://5");
    expect(backend.reads).toBe(2);
  });

  it("caches per range and per etag", async () => {
    const backend = new CountingBackend();
    const store = new ObjectStore({ backends: [backend], cacheBytes: 1000 });
    await store.get({ uri: "test://5", etag: "v1" });
    await store.get({ uri: "test://5", etag: "v2" });
    await store.get({ uri: "test://5", offset: 1 });
    await store.get({ uri: "test://5", etag: "v1" });
    expect(backend.reads).toBe(3);
    expect(store.invalidate("test://5")).toBe(3);
    await store.get({ uri: "test://5", etag: "v1" });
    expect(backend.reads).toBe(4);
  });

  it("passes the maximum object size to backends", async () => {
    const store = new ObjectStore({ backends: [new CountingBackend()], maxObjectBytes: 10 });
    await expect(store.get("test://11")).rejects.toThrow(/too large/);
    expect((await store.get("test://10")).length).toBe(10);
  });

  it("refuses two backends for one scheme", () => {
    expect(() => new ObjectStore({ backends: [new CountingBackend(), new CountingBackend()] })).toThrow(/two backends serve the scheme 'test:'/);
  });
});

describe("memory:// objects", () => {
  it("round-trips put/get with ranges and enforces the size limit", async () => {
    const store = new ObjectStore({ backends: [new MemoryObjectBackend()], maxObjectBytes: 4 });
    const ref = store.put(Uint8Array.of(1, 2, 3, 4, 5, 6), { contentType: "application/octet-stream" });
    expect(ref.uri).toMatch(/^memory:\/\//);
    expect(ref).toMatchObject({ length: 6, contentType: "application/octet-stream" });
    expect([...(await store.get({ uri: ref.uri, offset: 2, length: 3 }))]).toEqual([3, 4, 5]);
    await expect(store.get(ref)).rejects.toThrow(/too large: 6 bytes, the limit is 4/);
  });

  it("deletes an object when its last holder releases it", async () => {
    const memory = new MemoryObjectBackend();
    const store = new ObjectStore({ backends: [memory] });
    const ref = store.put(new Uint8Array(10), { key: "frames/1" });
    expect(ref.uri).toBe("memory://frames/1");
    store.retain(ref);
    expect(memory.refCount(ref.uri)).toBe(2);
    expect(store.release(ref)).toBe(false);
    expect((await store.get(ref.uri)).length).toBe(10);
    expect(memory.bytes).toBe(10);
    expect(store.release(ref)).toBe(true);
    expect(memory.count).toBe(0);
    expect(memory.bytes).toBe(0);
    await expect(store.get(ref.uri)).rejects.toThrow(/memory:\/\/frames\/1: no such object/);
    expect(() => store.release(ref)).toThrow(/cannot release memory:\/\/frames\/1: it is not held/);
    expect(() => store.retain(ref)).toThrow(/cannot retain/);
  });

  it("refuses a taken key, and refcounting of objects sluice did not create", () => {
    const store = ObjectStore.standard({ http: false });
    store.put(new Uint8Array(1), { key: "k" });
    expect(() => store.put(new Uint8Array(1), { key: "k" })).toThrow(/memory:\/\/k already exists/);
    expect(() => store.release("https://example.com/x")).toThrow(/cannot release a 'https:' object/);
  });

  it("generates distinct URIs", () => {
    const memory = new MemoryObjectBackend();
    const uris = new Set(Array.from({ length: 50 }, () => memory.put(new Uint8Array(1)).uri));
    expect(uris.size).toBe(50);
  });
});
