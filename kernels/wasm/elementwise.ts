/** The elementwise family on wasm: unary ops, broadcasting binary ops, clamp and cast. */

import { BINARY_OPS, UNARY_OPS, type BinaryOp, type UnaryOp } from "../op-attrs.js";
import type { AttrsOf } from "../op-specs.js";
import { cpuKernel, type Kernel } from "../registry.js";
import { bytesPerElement, sizeOf, type DType, type Tensor, type TensorInfo } from "../tensor.js";
import { broadcastPlan } from "./broadcast-plan.js";
import { wasmCall } from "./wasm-call.js";
import type { WasmTensor } from "./wasm-tensor.js";

/** Broadcast rows shorter than this run as one tiled pass instead of row by row. */
const TILE_MIN = 256;

const I32_MIN = -2147483648;
const I32_MAX = 2147483647;

export function unaryCode(op: UnaryOp): number {
  return UNARY_OPS.indexOf(op);
}

export function binaryCode(op: BinaryOp): number {
  return BINARY_OPS.indexOf(op);
}

function unary(op: UnaryOp, x: Tensor): WasmTensor {
  return wasmCall((call) => {
    const [src] = call.inputs([x]);
    const out = call.output({ dtype: x.dtype, shape: x.shape });
    call.fn[x.dtype === "f32" ? "unary_f32" : "unary_i32"]!(unaryCode(op), src!, out.ptr, out.size);
    return out;
  });
}

function binary(op: BinaryOp, a: Tensor, b: Tensor, info: TensorInfo): WasmTensor {
  return wasmCall((call) => {
    const [pa, pb] = call.inputs([a, b]);
    const out = call.output(info);
    const n = out.size;
    const code = binaryCode(op);
    const t = info.dtype === "f32" ? "f32" : "i32";
    const na = sizeOf(a.shape), nb = sizeOf(b.shape);
    if (n === 0) return out;
    if (na === n && nb === n) call.fn[`binary_${t}`]!(code, pa!, pb!, out.ptr, n);
    else if (nb === 1 && na === n) call.fn[`binary_vs_${t}`]!(code, pa!, pb!, out.ptr, n);
    else if (na === 1 && nb === n) call.fn[`binary_sv_${t}`]!(code, pa!, pb!, out.ptr, n);
    else {
      const plan = broadcastPlan(a.shape, b.shape, info.shape);
      const rank = plan.shape.length;
      const period = plan.shape[rank - 1]!;
      const [sa0, sa1] = plan.strideA, [sb0, sb1] = plan.strideB;
      const repeats = (sa0 === period && sb0 === 0) || (sa0 === 0 && sb0 === period);
      if (rank === 2 && period < TILE_MIN && sa1 === 1 && sb1 === 1 && repeats) {
        // [rows, P] ⊕ [P] (either way round) with a short period: tile the small operand.
        const tileIsB = plan.strideB[0] === 0;
        const reps = Math.ceil(TILE_MIN / period);
        const tile = call.temp(period * reps * 4);
        for (let r = 0; r < reps; r++) call.copy(tile + r * period * 4, tileIsB ? pb! : pa!, period * 4);
        call.fn[`binary_tiled_${t}`]!(code, tileIsB ? pa! : tile, tileIsB ? tile : pb!, out.ptr, n, period * reps, Number(tileIsB));
        return out;
      }
      const params = call.i32s([...plan.shape, ...plan.strideA, ...plan.strideB, ...plan.shape]);
      call.fn[`binary_bcast_${t}`]!(code, pa!, pb!, out.ptr, rank, params);
    }
    return out;
  });
}

/**
 * Integer bounds that reproduce the reference on i32: it clamps against the float bound and then
 * stores to i32 (truncating), which equals max(x, trunc(min)) / min(x, trunc(max)).
 */
export function i32ClampBounds(min: number, max: number): [number, number] {
  const sat = (v: number): number => (v <= I32_MIN ? I32_MIN : v >= I32_MAX ? I32_MAX : Math.trunc(v));
  return [sat(min), sat(max)];
}

function clamp(x: Tensor, attrs: AttrsOf<"clamp">): WasmTensor {
  return wasmCall((call) => {
    const [src] = call.inputs([x]);
    const out = call.output({ dtype: x.dtype, shape: x.shape });
    if (x.dtype === "f32") call.fn.clamp_f32!(src!, out.ptr, out.size, attrs.min, attrs.max);
    else call.fn.clamp_i32!(src!, out.ptr, out.size, ...i32ClampBounds(attrs.min, attrs.max));
    return out;
  });
}

function cast(x: Tensor, to: DType): WasmTensor {
  return wasmCall((call) => {
    const [src] = call.inputs([x]);
    const out = call.output({ dtype: to, shape: x.shape });
    if (x.dtype === to) call.copy(out.ptr, src!, out.size * bytesPerElement(to));
    else call.fn[`cast_${x.dtype}_${to}`]!(src!, out.ptr, out.size);
    return out;
  });
}

export const elementwiseWasm: Kernel[] = [
  ...UNARY_OPS.map((op) => cpuKernel(op, "wasm", ([x]) => [unary(op, x!)])),
  ...BINARY_OPS.map((op) => cpuKernel(op, "wasm", ([a, b], _attrs, [out]) => [binary(op, a!, b!, out!)])),
  cpuKernel("clamp", "wasm", ([x], attrs) => [clamp(x!, attrs)]),
  cpuKernel("cast", "wasm", ([x], attrs) => [cast(x!, attrs.to)]),
];
