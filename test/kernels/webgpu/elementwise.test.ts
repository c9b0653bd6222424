/** WebGPU elementwise family (unary, broadcast binary, clamp, cast) against the js reference. */

import { describe, expect, it } from "vitest";
import { BINARY_OPS, INT_BINARY_OPS, INT_UNARY_OPS, UNARY_OPS, type BinaryOp, type UnaryOp } from "../../../kernels/op-attrs.js";
import { runCpu } from "../../../kernels/registry.js";
import { tensor, type DType, type Tensor } from "../../../kernels/tensor.js";
import { binaryProgram } from "../../../kernels/webgpu/elementwise.js";
import type { Tolerance } from "../../helpers/assert-close.js";
import { expectTensorClose } from "../../helpers/assert-close.js";
import { EDGE_LENGTHS, randomShape, randomTensor, rng } from "../../helpers/random-tensors.js";
import { expectGpuMatchesJs, runGpu, webgpuForTests } from "../../helpers/webgpu.js";

const gpu = await webgpuForTests();

/**
 * WGSL allows transcendental builtins a few ULP of error (exp: 3 + 2|x| ULP, pow via exp2/log2),
 * while the reference computes in double; exact ops (abs, neg, +, −, ×, ÷, min, max) use the
 * default 1e-5.
 */
const UNARY_TOL: Partial<Record<UnaryOp, Tolerance>> = {
  exp: { rtol: 2e-5, atol: 1e-30 },
  log: { rtol: 2e-5, atol: 1e-6 },
  sigmoid: { rtol: 2e-5, atol: 1e-6 },
  tanh: { rtol: 2e-5, atol: 1e-6 },
};
const BINARY_TOL: Partial<Record<BinaryOp, Tolerance>> = { pow: { rtol: 1e-4, atol: 1e-30 } };

/** Values each op should see: NaN/±Inf for f32, plus a range that keeps exp and pow finite-ish. */
function valuesFor(op: UnaryOp | BinaryOp, dtype: DType, shape: readonly number[], r: () => number): Tensor {
  if (dtype === "i32") return randomTensor("i32", shape, r, { range: [-1000, 1000] });
  const range: [number, number] = op === "exp" ? [-90, 90] : op === "pow" ? [-4, 4] : [-50, 50];
  return randomTensor("f32", shape, r, { range, special: 0.02 });
}

/** A random pair of shapes that broadcast to a random output shape. */
function broadcastPair(r: () => number): [number[], number[]] {
  const out = randomShape(Math.floor(r() * 5), r, 6, 2000);
  const derive = (): number[] => {
    const drop = Math.floor(r() * (out.length + 1));
    return out.slice(drop).map((d) => (r() < 0.3 ? 1 : d));
  };
  return r() < 0.2 ? [out, [...out]] : [derive(), derive()];
}

describe.skipIf(!gpu)("webgpu elementwise", () => {
  for (const op of UNARY_OPS) {
    for (const dtype of ["f32", "i32"] as const) {
      if (dtype === "i32" && !INT_UNARY_OPS.includes(op)) continue;
      it(`${op} ${dtype}: random shapes, edge lengths, specials`, async () => {
        const r = rng(op.length * 7919 + (dtype === "i32" ? 1 : 0));
        const shapes = [...Array.from({ length: 20 }, (_, i) => randomShape(i % 5, r, 9, 3000)), ...EDGE_LENGTHS.map((n) => [n])];
        for (const shape of shapes) await expectGpuMatchesJs(gpu!, op, [valuesFor(op, dtype, shape, r)], {}, UNARY_TOL[op]);
      });
    }
  }

  it("unary special values map exactly like the reference", async () => {
    const specials = [NaN, Infinity, -Infinity, 0, -0, 1, -1, 88.7, 89, -103, -110, 1e-30, -1e-30, 3.4e38, 9.5, 10.5, -20];
    const x = tensor("f32", [specials.length], specials);
    for (const op of UNARY_OPS) await expectGpuMatchesJs(gpu!, op, [x], {}, { ...UNARY_TOL[op], atol: 1e-30 });
    const ints = tensor("i32", [5], [-2147483648, 2147483647, 0, -1, 5]);
    for (const op of INT_UNARY_OPS) await expectGpuMatchesJs(gpu!, op, [ints], {});
  });

  it("transcendentals near zero keep their relative accuracy", async () => {
    const r = rng(99);
    for (const range of [[-1, 1], [-1e-3, 1e-3], [-1e-6, 1e-6]] as [number, number][]) {
      const x = randomTensor("f32", [257], r, { range });
      for (const op of ["exp", "sigmoid", "tanh", "sqrt", "log"] as const) await expectGpuMatchesJs(gpu!, op, [x], {}, { rtol: 2e-5, atol: 0 });
    }
  });

  for (const op of BINARY_OPS) {
    for (const dtype of ["f32", "i32"] as const) {
      if (dtype === "i32" && !INT_BINARY_OPS.includes(op)) continue;
      it(`${op} ${dtype}: broadcast shapes and specials`, async () => {
        const r = rng(op.length * 104729 + (dtype === "i32" ? 3 : 0));
        for (let i = 0; i < 24; i++) {
          const [sa, sb] = broadcastPair(r);
          await expectGpuMatchesJs(gpu!, op, [valuesFor(op, dtype, sa, r), valuesFor(op, dtype, sb, r)], {}, BINARY_TOL[op]);
        }
        for (const n of [0, 1, 3, 5, 1025]) {
          await expectGpuMatchesJs(gpu!, op, [valuesFor(op, dtype, [n], r), valuesFor(op, dtype, [1], r)], {}, BINARY_TOL[op]);
        }
      });
    }
  }

  it("i32 division: by zero gives 0, INT_MIN / -1 gives INT_MIN, truncation toward zero", async () => {
    const a = tensor("i32", [6], [7, -7, 7, -2147483648, 5, -9]);
    const b = tensor("i32", [6], [2, 2, 0, -1, -3, 4]);
    const [y] = await runGpu(gpu!, "div", [a, b], {});
    expect([...y!.data]).toEqual([3, -3, 0, -2147483648, -1, -2]);
  });

  it("pow follows Math.pow's special cases", async () => {
    const pairs: [number, number][] = [
      [NaN, 0], [2, NaN], [-2, 3], [-2, 2], [-2, 0.5], [0, -1], [-0, -3], [-0, 3], [0, 2], [Infinity, -1], [-Infinity, 3],
      [-Infinity, 2], [1, Infinity], [2, -Infinity], [0.5, Infinity], [-8, 1 / 3], [3, 4], [1.5, -2.5],
    ];
    const a = tensor("f32", [pairs.length], pairs.map((p) => p[0]));
    const b = tensor("f32", [pairs.length], pairs.map((p) => p[1]));
    await expectGpuMatchesJs(gpu!, "pow", [a, b], {}, { rtol: 1e-5, atol: 0 });
  });

  it("clamp f32 and i32, including fractional and out-of-range bounds", async () => {
    const r = rng(42);
    const bounds: { min?: number; max?: number }[] = [{}, { min: 0 }, { max: 1.5 }, { min: -2.5, max: 2.5 }, { min: 0.1, max: 0.2 }, { min: 3, max: 3 }];
    const intBounds = [...bounds, { min: -1e12, max: 1e12 }, { min: 5e9 }, { max: -5e9 }, { min: -2.5, max: -2.25 }];
    for (const [i, b] of bounds.entries()) {
      await expectGpuMatchesJs(gpu!, "clamp", [randomTensor("f32", randomShape(i % 4, r, 9), r, { range: [-5, 5], special: 0.05 })], b);
    }
    for (const [i, b] of intBounds.entries()) {
      await expectGpuMatchesJs(gpu!, "clamp", [randomTensor("i32", randomShape(i % 4, r, 9), r, { range: [-6, 6] })], b);
    }
    const extremes = tensor("i32", [4], [-2147483648, 2147483647, 0, -3]);
    for (const b of intBounds) await expectGpuMatchesJs(gpu!, "clamp", [extremes], b);
  });

  it("cast between every dtype pair: saturation, NaN → 0, u8 packing at odd lengths", async () => {
    const r = rng(7);
    const f = [NaN, Infinity, -Infinity, -0.9, 0.9, 255.9, 256, -1.5, 3e9, -3e9, 2147483520, -2147483648, 127.5, 16777217];
    const i = [-2147483648, 2147483647, -1, 0, 255, 256, 16777217, -16777217, 100];
    const sources: Tensor[] = [
      tensor("f32", [f.length], f),
      tensor("i32", [i.length], i),
      randomTensor("u8", [13], r),
      ...EDGE_LENGTHS.slice(0, 12).flatMap((n) => [randomTensor("f32", [n], r, { range: [-300, 300] }), randomTensor("u8", [n], r), randomTensor("i32", [n], r, { range: [-300, 300] })]),
      ...Array.from({ length: 20 }, (_, k) => randomTensor((["u8", "i32", "f32"] as const)[k % 3], randomShape(k % 5, r, 7), r, { range: [-400, 400] })),
    ];
    for (const x of sources) {
      for (const to of ["u8", "i32", "f32"] as const) await expectGpuMatchesJs(gpu!, "cast", [x], { to });
    }
  });

  it("splits a dispatch larger than 65535 workgroups into x·y and covers every element", async () => {
    const n = 65535 * 64 + 4099;
    const a = randomTensor("f32", [n], rng(5)), b = randomTensor("f32", [1], rng(6));
    const out = runCpu("add", "js", [a, b], {})[0]!;
    expect(binaryProgram("add", a, b, out).dispatch[1]).toBeGreaterThan(1);
    const [y] = await runGpu(gpu!, "add", [a, b], {});
    expectTensorClose(y!, out);
  });
});
