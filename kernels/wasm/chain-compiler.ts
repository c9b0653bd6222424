/**
 * Compiles a fused elementwise chain into its own small wasm function, so the whole chain runs
 * in registers: per iteration, 16 elements are loaded (four v128), every step is applied to them,
 * and they are stored once — no intermediate arrays at all. The function imports the main
 * module's memory and its vector helpers (exp, log, tanh, sigmoid, pow, i32 division) so every
 * step computes exactly what the single-op kernels compute.
 *
 * A compiled function depends only on the chain's structure (ops, dtypes, operand kinds), not on
 * scalar values or input addresses, which arrive in a parameter block; compiled chains are
 * cached by structure. Compiling takes well under a millisecond; V8 runs the function in its
 * baseline tier first and optimizes it once it is hot.
 *
 * Generated signature: run(src, dst, count, params), count a multiple of 16. Parameter block:
 * one i32 address per extra input slot, then one 4-byte value per scalar slot.
 */

import { Code, I32, Op, Simd, V128, WasmModuleBuilder } from "../../wasm/wasm-emitter.js";
import type { SluiceWasm } from "../../wasm/loader.js";
import type { ChainStep } from "../op-attrs.js";
import type { DType } from "../tensor.js";
import { i32ClampBounds } from "./elementwise.js";

/** A compiled chain and how to fill its parameter block. */
export interface CompiledChain {
  run(src: number, dst: number, count: number, params: number): void;
  /** Extra input numbers (inputs[k]) in slot order. */
  readonly inputSlots: readonly number[];
  /** Values of the scalar slots for these steps (as f32 or i32 per `scalarIsF32`). */
  scalars(steps: readonly ChainStep[]): { values: number[]; isF32: boolean[] };
}

const HELPERS = ["v_exp", "v_log", "v_tanh", "v_sigmoid", "v_pow", "v_div_i32"] as const;
type Helper = (typeof HELPERS)[number];

const F32_BINARY: Record<string, number> = { add: Simd.f32x4_add, sub: Simd.f32x4_sub, mul: Simd.f32x4_mul, div: Simd.f32x4_div, min: Simd.f32x4_min, max: Simd.f32x4_max };
const I32_BINARY: Record<string, number> = { add: Simd.i32x4_add, sub: Simd.i32x4_sub, mul: Simd.i32x4_mul, min: Simd.i32x4_min_s, max: Simd.i32x4_max_s };

/** The structural key: everything the generated code depends on. */
export function chainKey(steps: readonly ChainStep[], input: DType): string {
  return `${input}|${steps
    .map((s) => {
      if (s.op === "cast") return `cast:${s.to}`;
      if (s.op === "clamp") return `clamp:${s.min === undefined ? "" : "lo"}:${s.max === undefined ? "" : "hi"}`;
      if ("scalar" in s) return `${s.op}:s${s.reversed ? "r" : ""}`;
      if ("input" in s) return `${s.op}:i${s.input}${s.reversed ? "r" : ""}`;
      return s.op;
    })
    .join(",")}`;
}

const cache = new Map<string, { w: SluiceWasm; chain: CompiledChain }>();

/** The compiled chain for this structure, compiling it on first use; undefined if the engine refuses. */
export function compiledChain(w: SluiceWasm, steps: readonly ChainStep[], input: DType, dtypes: readonly DType[]): CompiledChain | undefined {
  const key = chainKey(steps, input);
  const hit = cache.get(key);
  if (hit && hit.w === w) return hit.chain;
  let chain: CompiledChain;
  try {
    chain = compile(w, steps, input, dtypes);
  } catch {
    // e.g. browsers refuse synchronous compilation of large modules on the main thread.
    return undefined;
  }
  cache.set(key, { w, chain });
  return chain;
}

function compile(w: SluiceWasm, steps: readonly ChainStep[], input: DType, dtypes: readonly DType[]): CompiledChain {
  const b = new WasmModuleBuilder();
  const helper = {} as Record<Helper, number>;
  for (const h of HELPERS) helper[h] = b.importFunction("k", h, h === "v_pow" || h === "v_div_i32" ? [V128, V128] : [V128], [V128]);
  b.importMemory("env", "memory");

  // Slots: extra inputs (by input number) and scalars (one per scalar operand / clamp bound).
  const inputSlots: number[] = [];
  const scalarSlot: number[][] = steps.map(() => []);
  let nScalars = 0;
  steps.forEach((s, i) => {
    if ("input" in s && !inputSlots.includes(s.input)) inputSlots.push(s.input);
    if ("scalar" in s) scalarSlot[i] = [nScalars++];
    if (s.op === "clamp") scalarSlot[i] = [nScalars++, nScalars++];
  });

  // Locals: params 0 src, 1 dst, 2 count, 3 params; then i, i4, input addresses; then v128s.
  const L_I = 4, L_I4 = 5, L_IN0 = 6;
  const L_V = L_IN0 + inputSlots.length; // v0..v3
  const L_T = L_V + 4, L_RAW = L_T + 1, L_S0 = L_RAW + 1;
  const c = new Code();
  inputSlots.forEach((_, k) => c.get(3).i32Load(4 * k).set(L_IN0 + k));
  for (let j = 0; j < nScalars; j++) c.get(3).simdMem(Simd.v128_load32_splat, 4 * (inputSlots.length + j)).set(L_S0 + j);

  const outType = dtypes[dtypes.length - 1]!;
  c.begin(Op.block).begin(Op.loop);
  c.get(L_I).get(2).op(Op.i32_ge_u).br(Op.br_if, 1);
  c.get(L_I).i32Const(2).op(Op.i32_shl).set(L_I4);
  if (input === "u8") c.get(0).get(L_I).op(Op.i32_add).simdMem(Simd.v128_load).set(L_RAW);
  for (let j = 0; j < 4; j++) {
    // Load vector j of the 16 elements (u8 widened to i32 lanes).
    if (input === "u8") {
      c.get(L_RAW).simd(j < 2 ? Simd.i16x8_extend_low_i8x16_u : Simd.i16x8_extend_high_i8x16_u);
      c.simd(j % 2 === 0 ? Simd.i32x4_extend_low_i16x8_u : Simd.i32x4_extend_high_i16x8_u);
    } else c.get(0).get(L_I4).op(Op.i32_add).simdMem(Simd.v128_load, 16 * j);
    let cur = input;
    steps.forEach((s, i) => {
      const operand = (): void => {
        if ("scalar" in s) c.get(L_S0 + scalarSlot[i]![0]!);
        else if ("input" in s) c.get(L_IN0 + inputSlots.indexOf(s.input)).get(L_I4).op(Op.i32_add).simdMem(Simd.v128_load, 16 * j);
      };
      emitStep(c, s, cur, operand, helper, L_T, () => [L_S0 + scalarSlot[i]![0]!, L_S0 + scalarSlot[i]![1]!]);
      cur = dtypes[i]!;
    });
    c.set(L_V + j);
  }
  if (outType === "u8") {
    c.get(1).get(L_I).op(Op.i32_add);
    c.get(L_V).get(L_V + 1).simd(Simd.i16x8_narrow_i32x4_u).get(L_V + 2).get(L_V + 3).simd(Simd.i16x8_narrow_i32x4_u);
    c.simd(Simd.i8x16_narrow_i16x8_u).simdMem(Simd.v128_store);
  } else {
    for (let j = 0; j < 4; j++) c.get(1).get(L_I4).op(Op.i32_add).get(L_V + j).simdMem(Simd.v128_store, 16 * j);
  }
  c.get(L_I).i32Const(16).op(Op.i32_add).set(L_I).br(Op.br, 0);
  c.op(Op.end).op(Op.end);

  const locals = [I32, I32, ...inputSlots.map(() => I32), V128, V128, V128, V128, V128, V128, ...Array.from({ length: nScalars }, () => V128)] as (typeof I32 | typeof V128)[];
  const fn = b.addFunction([I32, I32, I32, I32], [], locals, c);
  b.exportFunction("run", fn);
  const module = new WebAssembly.Module(b.toBytes());
  const k: Record<string, unknown> = {};
  for (const h of HELPERS) k[h] = w.exports[h];
  const instance = new WebAssembly.Instance(module, { env: { memory: w.memory }, k } as WebAssembly.Imports);
  const run = instance.exports.run as (src: number, dst: number, count: number, params: number) => void;

  return {
    run,
    inputSlots,
    scalars(ss) {
      const values: number[] = [], isF32: boolean[] = [];
      let cur = input;
      ss.forEach((s, i) => {
        const f = cur === "f32";
        if ("scalar" in s) {
          values.push(f ? s.scalar : s.scalar | 0);
          isF32.push(f);
        } else if (s.op === "clamp") {
          const min = s.min ?? -Infinity, max = s.max ?? Infinity;
          if (f) values.push(min, max);
          else values.push(...i32ClampBounds(min, max));
          isF32.push(f, f);
        }
        cur = dtypes[i]!;
      });
      return { values, isF32 };
    },
  };
}

/** Emits one step on the value on top of the stack (type `cur`), leaving its result there. */
function emitStep(c: Code, s: ChainStep, cur: DType, operand: () => void, helper: Record<Helper, number>, tmp: number, bounds: () => [number, number]): void {
  const f = cur === "f32";
  if (s.op === "cast") {
    emitCast(c, cur, s.to);
    return;
  }
  if (s.op === "clamp") {
    const [lo, hi] = bounds();
    // f32: pmax/pmin are exactly `x < lo ? lo : x` and `x > hi ? hi : x` (NaN passes through).
    if (f) c.get(lo).simd(Simd.f32x4_pmax).get(hi).simd(Simd.f32x4_pmin);
    else c.get(lo).simd(Simd.i32x4_max_s).get(hi).simd(Simd.i32x4_min_s);
    return;
  }
  if ("scalar" in s || "input" in s) {
    if (s.reversed) {
      c.set(tmp);
      operand();
      c.get(tmp);
    } else operand();
    if (s.op === "pow") c.call(helper.v_pow);
    else if (!f && s.op === "div") c.call(helper.v_div_i32);
    else c.simd((f ? F32_BINARY : I32_BINARY)[s.op]!);
    return;
  }
  switch (s.op) {
    case "abs":
      c.simd(f ? Simd.f32x4_abs : Simd.i32x4_abs);
      return;
    case "neg":
      c.simd(f ? Simd.f32x4_neg : Simd.i32x4_neg);
      return;
    case "relu":
      // f32: x & ~(x < 0), so NaN and -0 pass through like the reference; i32: max(x, 0).
      if (f) c.tee(tmp).get(tmp).v128Const([0, 0, 0, 0]).simd(Simd.f32x4_lt).simd(Simd.v128_andnot);
      else c.v128Const([0, 0, 0, 0]).simd(Simd.i32x4_max_s);
      return;
    case "sqrt":
      c.simd(Simd.f32x4_sqrt);
      return;
    case "exp":
      c.call(helper.v_exp);
      return;
    case "log":
      c.call(helper.v_log);
      return;
    case "tanh":
      c.call(helper.v_tanh);
      return;
    case "sigmoid":
      c.call(helper.v_sigmoid);
      return;
  }
}

/** Casts on 4-byte lanes; u8 values live as i32 in [0, 255]. */
function emitCast(c: Code, from: DType, to: DType): void {
  if (from === to || (from === "u8" && to === "i32")) return;
  if (to === "f32") {
    c.simd(Simd.f32x4_convert_i32x4_s);
    return;
  }
  if (from === "f32") c.simd(Simd.i32x4_trunc_sat_f32x4_s);
  if (to === "u8") c.v128Const([0, 0, 0, 0]).simd(Simd.i32x4_max_s).v128Const([255, 255, 255, 255]).simd(Simd.i32x4_min_s);
}
