/**
 * The ops the browser test runs, shared by the page (served transpiled, see static-server.ts)
 * and the Node side of the test (tolerances, the Node reference). It imports types only, so it
 * runs in Chromium without the source tree and without a bundler; inputs are built from a seeded
 * PRNG so both sides construct identical tensors.
 */

import type { OpAttrs, OpName } from "../../kernels/op-attrs.js";
import type { DType, Tensor } from "../../kernels/tensor.js";

/** Per-case comparison against the js reference (the conformance suites' tolerances). */
export interface CaseTolerance {
  atol: number;
  rtol: number;
}

export interface KernelCase<K extends OpName = OpName> {
  /** Unique, stable name: the vitest test title and the key between page and Node. */
  name: string;
  op: K;
  attrs: OpAttrs[K];
  inputs: () => Tensor[];
  tol: CaseTolerance;
}

const EXACT: CaseTolerance = { atol: 0, rtol: 0 };

/**
 * mulberry32, as in test/helpers/random-tensors.ts; copied because that file imports values
 * from kernels/*.ts, which the page cannot load (it only has the compiled dist/).
 */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function size(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** Seeded tensor: u8 over 0..255, i32 integers and f32 reals over [lo, hi]. */
function rand(dtype: DType, shape: readonly number[], seed: number, lo = -10, hi = 10): Tensor {
  const r = rng(seed);
  const n = size(shape);
  if (dtype === "u8") return { dtype, shape: [...shape], data: Uint8Array.from({ length: n }, () => Math.floor(r() * 256)) };
  if (dtype === "i32") return { dtype, shape: [...shape], data: Int32Array.from({ length: n }, () => Math.floor(lo + r() * (hi - lo + 1))) };
  return { dtype, shape: [...shape], data: Float32Array.from({ length: n }, () => lo + r() * (hi - lo)) };
}

function defineCase<K extends OpName>(c: KernelCase<K>): KernelCase {
  return c as unknown as KernelCase;
}

/**
 * Odd sizes everywhere: lengths that are not multiples of the SIMD width exercise the wasm
 * scalar tails and the WGSL bounds checks.
 */
export const KERNEL_CASES: readonly KernelCase[] = [
  defineCase({
    name: "add f32 [2,3,4,5] + [3,1,5] (broadcast)",
    op: "add",
    attrs: {},
    inputs: () => [rand("f32", [2, 3, 4, 5], 1), rand("f32", [3, 1, 5], 2)],
    tol: EXACT,
  }),
  defineCase({
    name: "div i32 [7,1] / [1,9] (broadcast, truncating)",
    op: "div",
    attrs: {},
    inputs: () => {
      const b = rand("i32", [1, 9], 4, 1, 9);
      // A zero divisor is outside what ONNX defines for integers; keep the case well-defined.
      for (let i = 1; i < b.data.length; i += 2) b.data[i] = -b.data[i]!;
      return [rand("i32", [7, 1], 3, -100, 100), b];
    },
    tol: EXACT,
  }),
  defineCase({
    name: "normalize u8 hwc [17,23,3] -> chw",
    op: "normalize",
    attrs: { mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225], inputLayout: "hwc", outputLayout: "chw" },
    inputs: () => [rand("u8", [17, 23, 3], 5)],
    tol: { atol: 2e-5, rtol: 1e-5 },
  }),
  defineCase({
    name: "resize u8 hwc [37,41,3] -> [13,10] linear antialias",
    op: "resize",
    attrs: { size: [13, 10], mode: "linear", antialias: true, layout: "hwc" },
    inputs: () => [rand("u8", [37, 41, 3], 6)],
    // u8 resize is integer arithmetic on every backend (see ResizeAttrs): bit-exact.
    tol: EXACT,
  }),
  defineCase({
    name: "resize f32 chw [1,3,20,24] -> [9,31] linear antialias",
    op: "resize",
    attrs: { size: [9, 31], mode: "linear", antialias: true, layout: "chw" },
    inputs: () => [rand("f32", [1, 3, 20, 24], 7, -3, 3)],
    tol: { atol: 1e-5, rtol: 1e-5 },
  }),
  defineCase({
    name: "resize u8 hwc [11,13,4] -> [19,5] nearest",
    op: "resize",
    attrs: { size: [19, 5], mode: "nearest", layout: "hwc" },
    inputs: () => [rand("u8", [11, 13, 4], 8)],
    tol: EXACT,
  }),
  defineCase({
    name: "centerCrop u8 hwc [15,18,3] -> [9,11]",
    op: "centerCrop",
    attrs: { size: [9, 11], layout: "hwc" },
    inputs: () => [rand("u8", [15, 18, 3], 9)],
    tol: EXACT,
  }),
  defineCase({
    name: "softmax f32 [7,33] axis -1",
    op: "softmax",
    attrs: { axis: -1 },
    inputs: () => [rand("f32", [7, 33], 10, -20, 20)],
    tol: { atol: 1e-6, rtol: 1e-5 },
  }),
  defineCase({
    name: "topk f32 [5,41] k=7 largest, with ties",
    op: "topk",
    attrs: { k: 7, axis: -1, largest: true },
    inputs: () => {
      const x = rand("f32", [5, 41], 11, -4, 4);
      // Half-steps make equal values likely: ties must keep ascending index order on every backend.
      for (let i = 0; i < x.data.length; i++) x.data[i] = Math.round(x.data[i]! * 2) / 2;
      return [x];
    },
    tol: EXACT,
  }),
  defineCase({
    name: "argmax f32 [6,50] axis 1",
    op: "argmax",
    attrs: { axis: 1, keepdims: false },
    inputs: () => [rand("f32", [6, 50], 12)],
    tol: EXACT,
  }),
  defineCase({
    name: "lpNormalize f32 [4,67] axis -1",
    op: "lpNormalize",
    attrs: { axis: -1 },
    inputs: () => [rand("f32", [4, 67], 13)],
    tol: { atol: 1e-6, rtol: 1e-5 },
  }),
  defineCase({
    name: "matmul f32 [17,33] x [33,9]",
    op: "matmul",
    attrs: {},
    inputs: () => [rand("f32", [17, 33], 14, -1, 1), rand("f32", [33, 9], 15, -1, 1)],
    tol: { atol: 2e-5, rtol: 1e-4 },
  }),
  defineCase({
    name: "elementwiseChain u8 -> cast, sub, div, clamp, mul input, cast u8 (exact ops)",
    op: "elementwiseChain",
    attrs: {
      steps: [
        { op: "cast", to: "f32" },
        { op: "sub", scalar: 127.5 },
        { op: "div", scalar: 0.25 },
        { op: "clamp", min: -300, max: 300 },
        { op: "mul", input: 1 },
        { op: "add", scalar: 128 },
        { op: "cast", to: "u8" },
      ],
    },
    inputs: () => [rand("u8", [1031], 16), rand("f32", [1031], 17, -1, 1)],
    tol: EXACT,
  }),
  defineCase({
    name: "elementwiseChain f32 -> mul, exp, add input, sigmoid, tanh (transcendental)",
    op: "elementwiseChain",
    attrs: {
      steps: [{ op: "mul", scalar: 0.5 }, { op: "exp" }, { op: "add", input: 1, reversed: true }, { op: "sigmoid" }, { op: "tanh" }],
    },
    inputs: () => [rand("f32", [3, 347], 18, -4, 4), rand("f32", [3, 347], 19, -2, 2)],
    // Transcendentals differ in the last bits between V8's Math, WGSL builtins and wasm.
    tol: { atol: 1e-5, rtol: 2e-4 },
  }),
];
