/** Reference kernels for the elementwise family: unary, binary with broadcasting, clamp, cast. */

import { BINARY_OPS, UNARY_OPS, type BinaryOp, type UnaryOp } from "../op-attrs.js";
import type { AttrsOf } from "../op-specs.js";
import { cpuKernel, type Kernel } from "../registry.js";
import { allocData, sizeOf, stridesOf, type Tensor, type TensorInfo } from "../tensor.js";
import { binaryScalar, castScalar, clampScalar, unaryScalar } from "./scalar-ops.js";

/** Per-output-axis strides into an input of `shape` broadcast to `outShape` (0 on broadcast axes). */
export function broadcastStrides(shape: readonly number[], outShape: readonly number[]): number[] {
  const s = stridesOf(shape);
  const off = outShape.length - shape.length;
  return outShape.map((_, i) => {
    const j = i - off;
    return j < 0 || shape[j] === 1 ? 0 : s[j]!;
  });
}

export function unary(op: UnaryOp, x: Tensor): Tensor {
  const out = allocData(x.dtype, x.data.length);
  for (let i = 0; i < x.data.length; i++) out[i] = unaryScalar(op, x.dtype, x.data[i]!);
  return { dtype: x.dtype, shape: [...x.shape], data: out };
}

export function binary(op: BinaryOp, a: Tensor, b: Tensor, out: TensorInfo): Tensor {
  const n = sizeOf(out.shape);
  const data = allocData(out.dtype, n);
  const rank = out.shape.length;
  const sa = broadcastStrides(a.shape, out.shape);
  const sb = broadcastStrides(b.shape, out.shape);
  // Walk the output in row-major order with an odometer over the index, so broadcasting costs
  // no division per element.
  const idx = new Array<number>(rank).fill(0);
  let ia = 0, ib = 0;
  for (let i = 0; i < n; i++) {
    data[i] = binaryScalar(op, out.dtype, a.data[ia]!, b.data[ib]!);
    for (let d = rank - 1; d >= 0; d--) {
      idx[d]!++;
      ia += sa[d]!;
      ib += sb[d]!;
      if (idx[d]! < out.shape[d]!) break;
      ia -= sa[d]! * out.shape[d]!;
      ib -= sb[d]! * out.shape[d]!;
      idx[d] = 0;
    }
  }
  return { dtype: out.dtype, shape: [...out.shape], data };
}

export function clamp(x: Tensor, attrs: AttrsOf<"clamp">): Tensor {
  const out = allocData(x.dtype, x.data.length);
  for (let i = 0; i < x.data.length; i++) out[i] = clampScalar(x.data[i]!, attrs.min, attrs.max);
  return { dtype: x.dtype, shape: [...x.shape], data: out };
}

export function cast(x: Tensor, attrs: AttrsOf<"cast">): Tensor {
  const out = allocData(attrs.to, x.data.length);
  for (let i = 0; i < x.data.length; i++) out[i] = castScalar(attrs.to, x.data[i]!);
  return { dtype: attrs.to, shape: [...x.shape], data: out };
}

export const elementwiseJs: Kernel[] = [
  ...UNARY_OPS.map((op) => cpuKernel(op, "js", ([x]) => [unary(op, x!)])),
  ...BINARY_OPS.map((op) => cpuKernel(op, "js", ([a, b], _attrs, [out]) => [binary(op, a!, b!, out!)])),
  cpuKernel("clamp", "js", ([x], attrs) => [clamp(x!, attrs)]),
  cpuKernel("cast", "js", ([x], attrs) => [cast(x!, attrs)]),
];
