/** Reference matmul and cosine similarity for small embedding search; accumulates in double. */

import { cpuKernel, type Kernel } from "../registry.js";
import type { Tensor } from "../tensor.js";

/** A[M,K] × B[K,N] → [M,N]. */
export function matmul(a: Tensor, b: Tensor): Tensor<"f32"> {
  const [m, k] = a.shape as [number, number];
  const n = b.shape[1]!;
  const out = new Float32Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let p = 0; p < k; p++) s += a.data[i * k + p]! * b.data[p * n + j]!;
      out[i * n + j] = s;
    }
  }
  return { dtype: "f32", shape: [m, n], data: out };
}

/** cos(A[i], B[j]) for rows of A[M,D] and B[N,D]; a zero row scores 0 against everything. */
export function cosineSimilarity(a: Tensor, b: Tensor): Tensor<"f32"> {
  const [m, d] = a.shape as [number, number];
  const n = b.shape[0]!;
  const norms = (t: Tensor, rows: number): Float64Array => {
    const r = new Float64Array(rows);
    for (let i = 0; i < rows; i++) {
      let s = 0;
      for (let p = 0; p < d; p++) s += t.data[i * d + p]! ** 2;
      r[i] = Math.sqrt(s);
    }
    return r;
  };
  const na = norms(a, m), nb = norms(b, n);
  const out = new Float32Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let p = 0; p < d; p++) s += a.data[i * d + p]! * b.data[j * d + p]!;
      const den = na[i]! * nb[j]!;
      out[i * n + j] = den === 0 ? 0 : s / den;
    }
  }
  return { dtype: "f32", shape: [m, n], data: out };
}

export const matmulJs: Kernel = cpuKernel("matmul", "js", ([a, b]) => [matmul(a!, b!)]);
export const cosineSimilarityJs: Kernel = cpuKernel("cosineSimilarity", "js", ([a, b]) => [cosineSimilarity(a!, b!)]);
