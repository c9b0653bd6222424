import { describe, expect, it } from "vitest";
import { FetchError, RecordError } from "../../../runtime/api/runtime-errors.js";
import { fetchObject, fetchObjects } from "../../../runtime/functions/fetch-objects.js";
import { ObjectStore } from "../../../runtime/objects/index.js";

describe("fetchObjects", () => {
  it("returns one result per reference, in order, with failures isolated", async () => {
    const store = ObjectStore.standard({ http: false, maxObjectBytes: 8 });
    const a = store.put(Uint8Array.of(1, 2, 3));
    const big = store.put(new Uint8Array(9));
    const results = await fetchObjects([a, "memory://gone", null, big, { uri: a.uri, offset: 1 }, "ftp://x"], store, { concurrency: 2 });
    expect(results.map((r) => r.ok)).toEqual([true, false, false, false, true, false]);
    expect(results[0]).toEqual({ ok: true, bytes: Uint8Array.of(1, 2, 3) });
    expect(results[4]).toEqual({ ok: true, bytes: Uint8Array.of(2, 3) });
    const err = (i: number): Error => (results[i] as { error: Error }).error;
    expect(err(1)).toBeInstanceOf(FetchError);
    expect(err(1).message).toMatch(/memory:\/\/gone: no such object/);
    expect(err(2)).toBeInstanceOf(RecordError);
    expect(err(2).message).toBe("fetch: row 2 has no object reference");
    expect(err(3).message).toMatch(/too large: 9 bytes, the limit is 8/);
    expect(err(5).message).toMatch(/no backend for the scheme 'ftp:'/);
  });

  it("the per-record form throws the FetchError", async () => {
    const store = ObjectStore.standard({ http: false });
    await expect(fetchObject("memory://nothing", store)).rejects.toBeInstanceOf(FetchError);
  });
});
