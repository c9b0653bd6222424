/**
 * A small in-memory vector index: exact cosine top-k by brute force on the kernels
 * (cosineSimilarity, then topk). Exact and simple is right up to some hundred thousand vectors;
 * past that an approximate index (HNSW, IVF) belongs in a service, not in this function.
 */

import { SluiceError } from "../../kernels/errors.js";
import { tensor, type Tensor } from "../../kernels/tensor.js";
import { runKernel, type KernelOptions } from "./kernel-runner.js";

export interface SearchHits<Id> {
  /** Per query, the ids of the best matches, best first. */
  readonly ids: Id[][];
  /** Per query, their cosine similarities. */
  readonly scores: number[][];
}

export class VectorIndex<Id = string> {
  readonly dim: number;
  private readonly kernels: KernelOptions;
  private vectors: Float32Array;
  private readonly ids: Id[] = [];
  private readonly known = new Set<Id>();

  constructor(dim: number, options: KernelOptions = {}) {
    if (!Number.isInteger(dim) || dim < 1) throw new SluiceError(`vector index: dim must be a positive integer, got ${dim}`);
    this.dim = dim;
    this.kernels = options;
    this.vectors = new Float32Array(dim * 64);
  }

  /** Vectors held. */
  get size(): number {
    return this.ids.length;
  }

  /**
   * Adds one vector per id: `vectors` is `[n, dim]` (or its flat data). Ids must be new; the
   * vectors are copied, so the caller may reuse its buffer.
   */
  add(ids: readonly Id[], vectors: Tensor<"f32"> | Float32Array): void {
    const data = vectors instanceof Float32Array ? vectors : vectors.data;
    if (!(vectors instanceof Float32Array) && (vectors.shape.length !== 2 || vectors.shape[1] !== this.dim)) {
      throw new SluiceError(`vector index: vectors must be [n, ${this.dim}], got [${vectors.shape.join(",")}]`);
    }
    if (data.length !== ids.length * this.dim) throw new SluiceError(`vector index: ${ids.length} ids need ${ids.length * this.dim} values (dim ${this.dim}), got ${data.length}`);
    const fresh = new Set<Id>();
    for (const id of ids) {
      if (this.known.has(id) || fresh.has(id)) throw new SluiceError(`vector index: id ${JSON.stringify(id)} is already in the index`);
      fresh.add(id);
    }
    const need = (this.ids.length + ids.length) * this.dim;
    if (need > this.vectors.length) {
      const grown = new Float32Array(Math.max(need, this.vectors.length * 2));
      grown.set(this.vectors.subarray(0, this.ids.length * this.dim));
      this.vectors = grown;
    }
    this.vectors.set(data, this.ids.length * this.dim);
    for (const id of ids) {
      this.ids.push(id);
      this.known.add(id);
    }
  }

  /**
   * The `k` most similar vectors to each query row (`[m, dim]`, or one `[dim]` query), by cosine
   * similarity; fewer when the index holds fewer. A zero vector scores 0 against everything.
   */
  async search(queries: Tensor<"f32">, k: number): Promise<SearchHits<Id>> {
    const q = queries.shape.length === 1 ? tensor("f32", [1, queries.shape[0]!], queries.data) : queries;
    if (q.shape.length !== 2 || q.shape[1] !== this.dim) throw new SluiceError(`vector index: queries must be [m, ${this.dim}] or [${this.dim}], got [${queries.shape.join(",")}]`);
    if (!Number.isInteger(k) || k < 0) throw new SluiceError(`vector index: k must be a non-negative integer, got ${k}`);
    const m = q.shape[0]!;
    const kk = Math.min(k, this.size);
    if (kk === 0 || m === 0) return { ids: Array.from({ length: m }, () => []), scores: Array.from({ length: m }, () => []) };
    const index = tensor("f32", [this.size, this.dim], this.vectors.subarray(0, this.size * this.dim));
    const [sims] = await runKernel("vector_search", "cosineSimilarity", [q, index], {}, this.kernels);
    const [values, indices] = await runKernel("vector_search", "topk", [sims!], { k: kk, axis: -1 }, this.kernels);
    const ids: Id[][] = [], scores: number[][] = [];
    for (let r = 0; r < m; r++) {
      ids.push(Array.from(indices!.data.subarray(r * kk, (r + 1) * kk), (i) => this.ids[i]!));
      scores.push(Array.from(values!.data.subarray(r * kk, (r + 1) * kk)));
    }
    return { ids, scores };
  }
}
