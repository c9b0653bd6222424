/**
 * The fused elementwise chain on wasm, numexpr-style: the steps are encoded as a small program
 * (16-byte records) that `chain_run` interprets block by block — each block of BLOCK elements
 * (16 KB of f32) stays in L1 while every step runs over it with the same SIMD loops as the
 * single ops, so memory sees one read per input and one write of the output however long the
 * chain is. An interpreter instead of a generated wasm function: no compile per chain (asc or a
 * hand-rolled emitter would cost milliseconds per new chain), and with blocks this size the
 * dispatch (one switch per step per block) is noise next to the SIMD loops.
 */

import {
  CHAIN_RECORD_BYTES,
  K_CAST,
  K_CLAMP_F32,
  K_CLAMP_I32,
  K_INPUT_F32,
  K_INPUT_I32,
  K_SCALAR_F32,
  K_SCALAR_I32,
  K_UNARY_F32,
  K_UNARY_I32,
  T_F32,
  T_I32,
  T_U8,
} from "../../wasm/op-codes.js";
import type { ChainStep } from "../op-attrs.js";
import { chainDtypes, type AttrsOf } from "../op-specs.js";
import { cpuKernel, type Kernel } from "../registry.js";
import type { DType, Tensor } from "../tensor.js";
import { binaryCode, i32ClampBounds, unaryCode } from "./elementwise.js";
import { wasmCall } from "./wasm-call.js";
import type { WasmTensor } from "./wasm-tensor.js";

/** Elements per block; a multiple of 16 (the widest SIMD step of the loops). */
export const CHAIN_BLOCK = 4096;

const TYPE_CODE: Record<DType, number> = { u8: T_U8, i32: T_I32, f32: T_F32 };

const f32Bits = (v: number): number => {
  const f = new Float32Array([v]);
  return new Int32Array(f.buffer)[0]!;
};

/**
 * Encodes the steps as program records, given the dtype before each step and the addresses of
 * the extra inputs (inputPtrs[i] for inputs[i]).
 */
export function encodeChain(steps: readonly ChainStep[], input: DType, dtypes: readonly DType[], inputPtrs: readonly number[]): Int32Array {
  const prog = new Int32Array(steps.length * (CHAIN_RECORD_BYTES / 4));
  let cur = input;
  steps.forEach((s, i) => {
    const r = i * 4;
    const isF32 = cur === "f32";
    if (s.op === "cast") {
      prog.set([K_CAST, TYPE_CODE[cur] | (TYPE_CODE[s.to] << 4), 0, 0], r);
    } else if (s.op === "clamp") {
      const min = s.min ?? -Infinity, max = s.max ?? Infinity;
      if (isF32) prog.set([K_CLAMP_F32, 0, f32Bits(min), f32Bits(max)], r);
      else prog.set([K_CLAMP_I32, 0, ...i32ClampBounds(min, max)], r);
    } else if ("scalar" in s) {
      const rev = s.reversed ? 1 << 8 : 0;
      // The reference stores the scalar in the running dtype first: fround for f32, |0 for i32.
      prog.set([isF32 ? K_SCALAR_F32 : K_SCALAR_I32, binaryCode(s.op) | rev, isF32 ? f32Bits(s.scalar) : s.scalar | 0, 0], r);
    } else if ("input" in s) {
      const rev = s.reversed ? 1 << 8 : 0;
      prog.set([isF32 ? K_INPUT_F32 : K_INPUT_I32, binaryCode(s.op) | rev, inputPtrs[s.input]!, 0], r);
    } else {
      prog.set([isF32 ? K_UNARY_F32 : K_UNARY_I32, unaryCode(s.op), 0, 0], r);
    }
    cur = dtypes[i]!;
  });
  return prog;
}

function chain(inputs: readonly Tensor[], attrs: AttrsOf<"elementwiseChain">): WasmTensor {
  const x = inputs[0]!;
  const dtypes = chainDtypes("elementwiseChain", x.dtype, attrs.steps, inputs.slice(1));
  const outType = dtypes[dtypes.length - 1]!;
  return wasmCall((call) => {
    const ptrs = call.inputs(inputs);
    const out = call.output({ dtype: outType, shape: x.shape });
    if (out.size === 0) return out;
    const prog = call.i32s(encodeChain(attrs.steps, x.dtype, dtypes, ptrs));
    const scratch = call.temp(CHAIN_BLOCK * 4);
    call.fn.chain_run!(prog, attrs.steps.length, ptrs[0]!, TYPE_CODE[x.dtype], out.ptr, TYPE_CODE[outType], out.size, scratch, CHAIN_BLOCK);
    return out;
  });
}

export const elementwiseChainWasm: Kernel = cpuKernel("elementwiseChain", "wasm", (inputs, attrs) => [chain(inputs, attrs)]);
