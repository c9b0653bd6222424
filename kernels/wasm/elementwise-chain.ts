/**
 * The fused elementwise chain on wasm. Two engines, same results:
 * - compiled (chain-compiler.ts): the chain becomes one generated wasm function that keeps
 *   every intermediate in registers — one read of each input and one write of the output, and
 *   no per-step loads and stores at all. Used for the whole multiple-of-16 prefix.
 * - interpreted (`chain_run` in wasm/assembly/elementwise-chain.ts), numexpr-style: the steps as
 *   16-byte program records run block by block (BLOCK elements stay in L1) with the same SIMD
 *   loops as the single ops. Used for the tail and when the engine will not compile a module
 *   synchronously (browsers limit that on the main thread).
 * Measured on 4M f32 (sub→mul→clamp→abs→add): the interpreter costs ~0.6 ms per step over L1
 * blocks, the compiled chain about one memory pass in total.
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
import { bytesPerElement, type DType, type Tensor } from "../tensor.js";
import { compiledChain } from "./chain-compiler.js";
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
  const steps = attrs.steps;
  const dtypes = chainDtypes("elementwiseChain", x.dtype, steps, inputs.slice(1));
  const outType = dtypes[dtypes.length - 1]!;
  return wasmCall((call) => {
    const ptrs = call.inputs(inputs);
    const out = call.output({ dtype: outType, shape: x.shape });
    const n = out.size;
    if (n === 0) return out;
    const compiled = compiledChain(call.wasm, steps, x.dtype, dtypes);
    let done = 0;
    if (compiled && n >= 16) {
      done = n - (n % 16);
      const { values, isF32 } = compiled.scalars(steps);
      const slots = compiled.inputSlots.length;
      const params = call.temp(4 * (slots + values.length));
      const buf = call.wasm.memory.buffer;
      new Int32Array(buf, params, slots).set(compiled.inputSlots.map((k) => ptrs[k]!));
      const asF32 = new Float32Array(buf, params + 4 * slots, values.length);
      const asI32 = new Int32Array(buf, params + 4 * slots, values.length);
      values.forEach((v, i) => (isF32[i] ? (asF32[i] = v) : (asI32[i] = v)));
      compiled.run(ptrs[0]!, out.ptr, done, params);
    }
    if (done < n) {
      // The tail (or everything, without a compiled chain) through the interpreter.
      const inBytes = bytesPerElement(x.dtype), outBytes = bytesPerElement(outType);
      const shifted = ptrs.map((p, i) => p + done * (i === 0 ? inBytes : 4));
      const prog = call.i32s(encodeChain(steps, x.dtype, dtypes, shifted));
      const scratch = call.temp(CHAIN_BLOCK * 4);
      call.fn.chain_run!(prog, steps.length, shifted[0]!, TYPE_CODE[x.dtype], out.ptr + done * outBytes, TYPE_CODE[outType], n - done, scratch, CHAIN_BLOCK);
    }
    return out;
  });
}

/** Runs a chain with the interpreter only (tests compare it with the compiled path). */
export function interpretChain(inputs: readonly Tensor[], steps: readonly ChainStep[]): WasmTensor {
  const x = inputs[0]!;
  const dtypes = chainDtypes("elementwiseChain", x.dtype, steps, inputs.slice(1));
  const outType = dtypes[dtypes.length - 1]!;
  return wasmCall((call) => {
    const ptrs = call.inputs(inputs);
    const out = call.output({ dtype: outType, shape: x.shape });
    if (out.size === 0) return out;
    const prog = call.i32s(encodeChain(steps, x.dtype, dtypes, ptrs));
    const scratch = call.temp(CHAIN_BLOCK * 4);
    call.fn.chain_run!(prog, steps.length, ptrs[0]!, TYPE_CODE[x.dtype], out.ptr, TYPE_CODE[outType], out.size, scratch, CHAIN_BLOCK);
    return out;
  });
}

export const elementwiseChainWasm: Kernel = cpuKernel("elementwiseChain", "wasm", (inputs, attrs) => [chain(inputs, attrs)]);
