/**
 * How a broadcast binary op walks memory: the output shape with size-1 axes dropped and
 * neighbouring axes merged wherever both operands are contiguous across them (numpy's
 * coalescing), so the wasm loop runs over as few, as long rows as possible.
 */

import { stridesOf } from "../tensor.js";

export interface BroadcastPlan {
  shape: number[];
  /** Element strides of each operand per axis; 0 where it is broadcast. */
  strideA: number[];
  strideB: number[];
}

function stridesIn(shape: readonly number[], out: readonly number[]): number[] {
  const s = stridesOf(shape);
  const off = out.length - shape.length;
  return out.map((_, i) => (i < off || shape[i - off] === 1 ? 0 : s[i - off]!));
}

/** Plan for `a OP b` with output shape `out` (their broadcast). */
export function broadcastPlan(a: readonly number[], b: readonly number[], out: readonly number[]): BroadcastPlan {
  const sa = stridesIn(a, out), sb = stridesIn(b, out);
  const shape: number[] = [], strideA: number[] = [], strideB: number[] = [];
  for (let i = 0; i < out.length; i++) {
    const n = out[i]!;
    if (n === 1) continue;
    const last = shape.length - 1;
    // Merge into the previous axis when stepping that axis once equals stepping this one n times.
    if (last >= 0 && strideA[last] === sa[i]! * n && strideB[last] === sb[i]! * n) {
      shape[last] = shape[last]! * n;
      strideA[last] = sa[i]!;
      strideB[last] = sb[i]!;
    } else {
      shape.push(n);
      strideA.push(sa[i]!);
      strideB.push(sb[i]!);
    }
  }
  return { shape, strideA, strideB };
}
