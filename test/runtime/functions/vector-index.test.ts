import { describe, expect, it } from "vitest";
import { tensor } from "../../../kernels/tensor.js";
import { VectorIndex } from "../../../runtime/functions/vector-index.js";
import { randomTensor, rng } from "../../helpers/random-tensors.js";

/** Brute-force cosine ranking in f64: the oracle. */
function bruteForce(index: Float32Array, n: number, query: Float32Array, dim: number, k: number): { i: number; s: number }[] {
  const dot = (a: Float32Array, ao: number, b: Float32Array, bo: number): number => {
    let s = 0;
    for (let d = 0; d < dim; d++) s += a[ao + d]! * b[bo + d]!;
    return s;
  };
  const qn = Math.sqrt(dot(query, 0, query, 0));
  const all = Array.from({ length: n }, (_, i) => {
    const vn = Math.sqrt(dot(index, i * dim, index, i * dim));
    return { i, s: qn === 0 || vn === 0 ? 0 : dot(query, 0, index, i * dim) / (qn * vn) };
  });
  return all.sort((a, b) => b.s - a.s || a.i - b.i).slice(0, k);
}

describe("VectorIndex", () => {
  it("search agrees with brute-force cosine ranking", async () => {
    const dim = 16, n = 300, m = 7, k = 5;
    const vectors = randomTensor("f32", [n, dim], rng(11)).data as Float32Array;
    const queries = randomTensor("f32", [m, dim], rng(12)).data as Float32Array;
    const index = new VectorIndex<number>(dim);
    // Added in three batches to exercise growth.
    for (const [a, b] of [[0, 50], [50, 51], [51, n]] as const) {
      index.add(Array.from({ length: b - a }, (_, i) => 1000 + a + i), tensor("f32", [b - a, dim], vectors.slice(a * dim, b * dim)));
    }
    expect(index.size).toBe(n);
    const hits = await index.search(tensor("f32", [m, dim], queries), k);
    for (let q = 0; q < m; q++) {
      const expected = bruteForce(vectors, n, queries.subarray(q * dim, (q + 1) * dim), dim, k);
      expect(hits.ids[q]).toEqual(expected.map((e) => 1000 + e.i));
      hits.scores[q]!.forEach((s, j) => expect(s).toBeCloseTo(expected[j]!.s, 4));
    }
  });

  it("finds an exact match first with score 1, and takes a single query vector", async () => {
    const index = new VectorIndex(3);
    index.add(["x", "y", "z"], Float32Array.of(1, 0, 0, 0, 1, 0, 1, 1, 0));
    const hits = await index.search(tensor("f32", [3], [0, 2, 0]), 2);
    expect(hits.ids).toEqual([["y", "z"]]);
    expect(hits.scores[0]![0]).toBeCloseTo(1, 6);
    expect(hits.scores[0]![1]).toBeCloseTo(Math.SQRT1_2, 6);
  });

  it("returns fewer than k when the index is small, none when empty", async () => {
    const index = new VectorIndex(2);
    expect(await index.search(tensor("f32", [1, 2], [1, 0]), 3)).toEqual({ ids: [[]], scores: [[]] });
    index.add(["a"], Float32Array.of(0, 1));
    expect((await index.search(tensor("f32", [2, 2], [1, 0, 0, 1]), 3)).ids).toEqual([["a"], ["a"]]);
  });

  it("rejects duplicate ids, wrong widths and bad k", async () => {
    const index = new VectorIndex(2);
    index.add(["a"], Float32Array.of(1, 0));
    expect(() => index.add(["a"], Float32Array.of(1, 0))).toThrow(/id "a" is already in the index/);
    expect(() => index.add(["b", "b"], Float32Array.of(1, 0, 1, 0))).toThrow(/id "b" is already/);
    expect(() => index.add(["c"], tensor("f32", [1, 3]))).toThrow(/vectors must be \[n, 2\], got \[1,3\]/);
    expect(() => index.add(["c", "d"], Float32Array.of(1, 0))).toThrow(/2 ids need 4 values \(dim 2\), got 2/);
    expect(index.size).toBe(1);
    await expect(index.search(tensor("f32", [1, 3]), 1)).rejects.toThrow(/queries must be \[m, 2\] or \[2\], got \[1,3\]/);
    await expect(index.search(tensor("f32", [1, 2]), -1)).rejects.toThrow(/k must be a non-negative integer/);
  });
});
