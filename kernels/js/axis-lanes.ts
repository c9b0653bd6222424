/**
 * Reductions along one axis see the tensor as [outer, len, inner]: each (outer, inner) pair is a
 * lane of `len` elements spaced `inner` apart. Softmax, argmax, topk and lp-normalize share this.
 */

import type { TensorInfo } from "../tensor.js";

export interface AxisLanes {
  outer: number;
  len: number;
  inner: number;
}

export function axisLanes(x: TensorInfo, axis: number): AxisLanes {
  let outer = 1, inner = 1;
  for (let i = 0; i < axis; i++) outer *= x.shape[i]!;
  for (let i = axis + 1; i < x.shape.length; i++) inner *= x.shape[i]!;
  return { outer, len: x.shape[axis]!, inner };
}

/** Calls `fn(base, stride)` for every lane: element j of the lane is at base + j * stride. */
export function forEachLane(l: AxisLanes, fn: (base: number, stride: number, lane: number) => void): void {
  for (let o = 0; o < l.outer; o++) {
    for (let i = 0; i < l.inner; i++) fn(o * l.len * l.inner + i, l.inner, o * l.inner + i);
  }
}
