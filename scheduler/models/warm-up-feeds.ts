/** The inputs a warm-up run feeds: the model's shapes at one batch size, filled with plausible values. */

import { allocData, sizeOf, type Tensor } from "../../kernels/tensor.js";
import type { ModelIO } from "./model-runtime.js";
import { uniform } from "./seeded-random.js";

/**
 * The concrete shape of `input` at `batchSize`: a dynamic dim 0 takes the batch size (a fixed one
 * keeps its value), other dynamic dims take `dims[symbol]` or 1.
 */
export function warmUpShape(input: ModelIO, batchSize: number, dims: Readonly<Record<string, number>> = {}): number[] {
  return input.shape.map((d, axis) => {
    if (typeof d === "number") return d;
    if (axis === 0) return batchSize;
    return d !== null && dims[d] !== undefined ? dims[d]! : 1;
  });
}

/**
 * Feeds for one warm-up run. Floats are seeded uniform values in [-1, 1) rather than zeros, so
 * kernels that shortcut zeros or denormals don't warm a path real data never takes; integers are
 * zero, a valid index for embedding tables and a neutral token id.
 */
export function warmUpFeeds(
  inputs: readonly ModelIO[],
  batchSize: number,
  dims: Readonly<Record<string, number>> = {},
  seed = 0x5eed,
): Record<string, Tensor> {
  const rand = uniform(seed);
  const feeds: Record<string, Tensor> = {};
  for (const input of inputs) {
    const shape = warmUpShape(input, batchSize, dims);
    const data = allocData(input.dtype, sizeOf(shape));
    if (input.dtype === "f32") for (let i = 0; i < data.length; i++) data[i] = rand() * 2 - 1;
    feeds[input.name] = { dtype: input.dtype, shape, data } as Tensor;
  }
  return feeds;
}
