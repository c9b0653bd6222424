/** Reference argmax and top-k along an axis; indices are i32. */

import type { AttrsOf } from "../op-specs.js";
import { cpuKernel, type Kernel } from "../registry.js";
import type { Tensor, TensorInfo } from "../tensor.js";
import { axisLanes, forEachLane } from "./axis-lanes.js";

/** First maximum by `>` (last by `>=` with selectLastIndex); a NaN never replaces the maximum. */
export function argmax(x: Tensor, attrs: AttrsOf<"argmax">, out: TensorInfo): Tensor<"i32"> {
  const lanes = axisLanes(x, attrs.axis);
  const data = new Int32Array(lanes.outer * lanes.inner);
  const src = x.data;
  forEachLane(lanes, (base, stride, lane) => {
    let best = src[base]!, bi = 0;
    for (let j = 1; j < lanes.len; j++) {
      const v = src[base + j * stride]!;
      if (attrs.selectLastIndex ? v >= best : v > best) {
        best = v;
        bi = j;
      }
    }
    data[lane] = bi;
  });
  return { dtype: "i32", shape: [...out.shape], data };
}

/**
 * Orders (value, index) pairs for top-k: NaN ranks above +Inf, equal values keep ascending index
 * order. Returns < 0 when (a, ia) comes first.
 */
export function topkCompare(a: number, ia: number, b: number, ib: number, largest: boolean): number {
  const an = Number.isNaN(a), bn = Number.isNaN(b);
  if (an || bn) {
    if (an && bn) return ia - ib;
    // NaN is the greatest value: first when largest, last otherwise.
    return (an ? -1 : 1) * (largest ? 1 : -1);
  }
  if (a !== b) return (largest ? b - a : a - b) > 0 ? 1 : -1;
  return ia - ib;
}

export function topk(x: Tensor, attrs: AttrsOf<"topk">, outs: readonly TensorInfo[]): [Tensor<"f32">, Tensor<"i32">] {
  const lanes = axisLanes(x, attrs.axis);
  const k = attrs.k;
  const values = new Float32Array(lanes.outer * k * lanes.inner);
  const indices = new Int32Array(values.length);
  const src = x.data;
  const order = new Array<number>(lanes.len);
  forEachLane(lanes, (base, stride, lane) => {
    for (let j = 0; j < lanes.len; j++) order[j] = j;
    order.sort((i, j) => topkCompare(src[base + i * stride]!, i, src[base + j * stride]!, j, attrs.largest));
    const o = Math.floor(lane / lanes.inner), inner = lane % lanes.inner;
    for (let r = 0; r < k; r++) {
      const dst = o * k * lanes.inner + r * lanes.inner + inner;
      values[dst] = src[base + order[r]! * stride]!;
      indices[dst] = order[r]!;
    }
  });
  return [
    { dtype: "f32", shape: [...outs[0]!.shape], data: values },
    { dtype: "i32", shape: [...outs[1]!.shape], data: indices },
  ];
}

export const argmaxJs: Kernel = cpuKernel("argmax", "js", ([x], attrs, [out]) => [argmax(x!, attrs, out!)]);
export const topkJs: Kernel = cpuKernel("topk", "js", ([x], attrs, outs) => topk(x!, attrs, outs));
