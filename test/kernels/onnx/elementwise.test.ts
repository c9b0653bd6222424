/**
 * Elementwise ops against onnxruntime: Add Sub Mul Div Min Max Pow with broadcasting, the unary
 * ops, Clip and Cast. Tolerance is the default 1e-5 (absolute and relative) for f32: the
 * transcendental ops in onnxruntime go through MLAS approximations a few ulps off libm's.
 */

import { describe, it } from "vitest";
import { BINARY_OPS, INT_BINARY_OPS, INT_UNARY_OPS, UNARY_OPS, type BinaryOp, type UnaryOp } from "../../../kernels/op-attrs.js";
import type { DType, Tensor } from "../../../kernels/tensor.js";
import { expectTensorClose } from "../../helpers/assert-close.js";
import { float32, runOnnxOp, type OnnxTensor } from "../../helpers/onnx-model.js";
import { randomTensor, rng, type RandomOptions } from "../../helpers/random-tensors.js";
import { broadcastPair, js, smallShape } from "./conformance.js";

const ONNX_BINARY: Record<BinaryOp, string> = { add: "Add", sub: "Sub", mul: "Mul", div: "Div", min: "Min", max: "Max", pow: "Pow" };
const ONNX_UNARY: Record<UnaryOp, string> = {
  abs: "Abs", neg: "Neg", sqrt: "Sqrt", exp: "Exp", log: "Log", sigmoid: "Sigmoid", tanh: "Tanh", relu: "Relu",
};
const CASES = 24;

/** Operand ranges that keep each op away from overflow and (for i32 div) from division by zero. */
function binaryData(op: BinaryOp, dtype: DType, shape: number[], rand: () => number, second: boolean): Tensor {
  if (dtype === "i32") {
    const t = randomTensor("i32", shape, rand, { range: op === "mul" ? [-1000, 1000] : [-100000, 100000] });
    if (second && op === "div") for (let i = 0; i < t.data.length; i++) if (t.data[i] === 0) t.data[i] = 7;
    return t;
  }
  // A sprinkle of NaN and ±Inf checks propagation (min/max propagate NaN, as ORT does).
  if (op === "pow") return randomTensor("f32", shape, rand, second ? { range: [-3, 3], special: 0.02 } : { range: [-4, 4], special: 0.02 });
  return randomTensor("f32", shape, rand, { special: 0.02 });
}

describe("binary elementwise vs onnxruntime", () => {
  for (const op of BINARY_OPS) {
    for (const dtype of INT_BINARY_OPS.includes(op) ? (["f32", "i32"] as const) : (["f32"] as const)) {
      it(`${op} ${dtype}`, async () => {
        const rand = rng(6000 + BINARY_OPS.indexOf(op) * 2 + (dtype === "i32" ? 1 : 0));
        for (let n = 0; n < CASES; n++) {
          const [sa, sb] = broadcastPair(rand);
          const a = binaryData(op, dtype, sa, rand, false);
          const b = binaryData(op, dtype, sb, rand, true);
          if (op === "pow" && n % 2 === 0) {
            // Integral exponents: the case where negative bases give finite results.
            for (let i = 0; i < b.data.length; i++) b.data[i] = Math.round(b.data[i]!);
          }
          const [want] = await runOnnxOp(ONNX_BINARY[op], [a, b]);
          expectTensorClose(js(op, [a, b], {})[0]!, want!, {}, `case ${n} [${sa}] ${op} [${sb}]`);
        }
      });
    }
  }
});

/** Inputs per unary op: positive for sqrt and log, and a sprinkle of NaN / ±Inf for f32. */
function unaryOptions(op: UnaryOp): RandomOptions {
  if (op === "sqrt" || op === "log") return { range: [1e-3, 50], special: 0.02 };
  if (op === "exp") return { range: [-20, 20], special: 0.02 };
  return { range: [-10, 10], special: 0.02 };
}

describe("unary elementwise vs onnxruntime", () => {
  for (const op of UNARY_OPS) {
    for (const dtype of INT_UNARY_OPS.includes(op) ? (["f32", "i32"] as const) : (["f32"] as const)) {
      it(`${op} ${dtype}`, async () => {
        const rand = rng(7000 + UNARY_OPS.indexOf(op) * 2 + (dtype === "i32" ? 1 : 0));
        for (let n = 0; n < CASES; n++) {
          const shape = smallShape(rand);
          const x = dtype === "f32" ? randomTensor("f32", shape, rand, unaryOptions(op)) : randomTensor("i32", shape, rand, { range: [-100000, 100000] });
          const [want] = await runOnnxOp(ONNX_UNARY[op], [x]);
          expectTensorClose(js(op, [x], {})[0]!, want!, {}, `case ${n} ${op} [${shape}]`);
        }
      });
    }
  }
});

describe("clamp vs onnxruntime Clip", () => {
  for (const dtype of ["f32", "i32"] as const) {
    it(dtype, async () => {
      const rand = rng(dtype === "f32" ? 8000 : 8001);
      for (let n = 0; n < CASES; n++) {
        const shape = smallShape(rand);
        const x = dtype === "f32" ? randomTensor("f32", shape, rand, { special: 0.02 }) : randomTensor("i32", shape, rand, { range: [-50, 50] });
        const lo = dtype === "f32" ? -10 + rand() * 10 : -Math.floor(rand() * 30);
        const hi = lo + (dtype === "f32" ? rand() * 10 : Math.floor(rand() * 30));
        // Which bounds are given: both, only min, only max.
        const which = n % 3;
        const attrs = { ...(which !== 2 ? { min: lo } : {}), ...(which !== 1 ? { max: hi } : {}) };
        const bound = (v: number): { constant: OnnxTensor } =>
          ({ constant: dtype === "f32" ? float32([v], []) : { type: "int32", dims: [], data: Int32Array.of(v) } });
        // An omitted f32 bound is ±Inf for us but ±FLT_MAX in onnxruntime (so ORT clips an Inf
        // input to 3.4e38); pass ORT the infinite bound explicitly. For i32 omitting is the same.
        const omitted = (v: number): { constant: OnnxTensor } | null => (dtype === "f32" ? bound(v) : null);
        const [want] = await runOnnxOp("Clip", [x, which !== 2 ? bound(lo) : omitted(-Infinity), which !== 1 ? bound(hi) : omitted(Infinity)]);
        expectTensorClose(js("clamp", [x], attrs)[0]!, want!, {}, `case ${n} clip [${shape}] ${JSON.stringify(attrs)}`);
      }
    });
  }
});

const ONNX_TO: Record<DType, number> = { f32: 1, u8: 2, i32: 6 };

describe("cast vs onnxruntime Cast (values in range of the target)", () => {
  const pairs: [DType, DType][] = [["f32", "i32"], ["f32", "u8"], ["i32", "f32"], ["u8", "f32"], ["i32", "u8"], ["u8", "i32"], ["f32", "f32"]];
  for (const [from, to] of pairs) {
    it(`${from} → ${to}`, async () => {
      const rand = rng(9000 + pairs.findIndex(([a, b]) => a === from && b === to));
      for (let n = 0; n < CASES; n++) {
        const shape = smallShape(rand);
        const range: [number, number] = to === "u8" ? [0, 255.99] : [-1e6, 1e6];
        const x = randomTensor(from, shape, rand, { range: from === "i32" ? [range[0], Math.floor(range[1])] : range });
        const [want] = await runOnnxOp("Cast", [x], { to: ONNX_TO[to] }, { outputTypes: [to === "f32" ? "float32" : to === "u8" ? "uint8" : "int32"] });
        expectTensorClose(js("cast", [x], { to })[0]!, want!, {}, `case ${n} cast [${shape}]`);
      }
    });
  }
});
