/** Seeded random tensors and shapes for conformance tests (deterministic per seed). */

import { allocData, sizeOf, type DType, type Tensor } from "../../kernels/tensor.js";
import { uniform } from "../../scheduler/models/seeded-random.js";

/** Seeded uniform [0, 1) generator (mulberry32, shared with the model builders). */
export const rng = uniform;

export interface RandomOptions {
  /** Range of values for f32/i32 (u8 is always 0..255). Default [-10, 10]. */
  range?: [number, number];
  /** Fraction of f32 elements replaced by NaN / +Inf / -Inf (each). Default 0. */
  special?: number;
}

export function randomTensor<D extends DType>(dtype: D, shape: readonly number[], rand: () => number, opts: RandomOptions = {}): Tensor<D> {
  const n = sizeOf(shape);
  const data = allocData(dtype, n);
  const [lo, hi] = opts.range ?? [-10, 10];
  const special = opts.special ?? 0;
  for (let i = 0; i < n; i++) {
    if (dtype === "u8") data[i] = Math.floor(rand() * 256);
    else if (dtype === "i32") data[i] = Math.floor(lo + rand() * (hi - lo + 1));
    else {
      const r = rand();
      if (r < special) data[i] = NaN;
      else if (r < 2 * special) data[i] = Infinity;
      else if (r < 3 * special) data[i] = -Infinity;
      else data[i] = lo + rand() * (hi - lo);
    }
  }
  return { dtype, shape: [...shape], data };
}

/** A random shape of the given rank with dims in [1, maxDim]; total size capped at maxSize. */
export function randomShape(rank: number, rand: () => number, maxDim = 17, maxSize = 1 << 16): number[] {
  for (;;) {
    const s = Array.from({ length: rank }, () => 1 + Math.floor(rand() * maxDim));
    if (sizeOf(s) <= maxSize) return s;
  }
}

/** Lengths every 1-D conformance test covers: empty, 1, not multiples of 4, SIMD-width edges. */
export const EDGE_LENGTHS = [0, 1, 2, 3, 4, 5, 7, 8, 15, 16, 17, 31, 33, 63, 65, 127, 129, 1023, 1025, 4099];
