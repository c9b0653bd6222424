/** WebGPU softmax, lpNormalize, argmax and topk along an axis, against the js reference. */

import { describe, expect, it } from "vitest";
import { tensor } from "../../../kernels/tensor.js";
import { softmaxProgram } from "../../../kernels/webgpu/softmax.js";
import { randomShape, randomTensor, rng } from "../../helpers/random-tensors.js";
import { expectGpuMatchesJs, runGpu, webgpuForTests } from "../../helpers/webgpu.js";

const gpu = await webgpuForTests();

/** Random (shape, axis) pairs of rank 1–4; lanes up to ~300 long, some of length 1. */
function cases(seed: number, n: number): { shape: number[]; axis: number; r: () => number }[] {
  const r = rng(seed);
  return Array.from({ length: n }, (_, i) => {
    const shape = randomShape(1 + (i % 4), r, i % 3 === 0 ? 300 : 12, 6000);
    const axis = Math.floor(r() * shape.length) - (r() < 0.5 ? shape.length : 0);
    return { shape, axis, r };
  });
}

describe.skipIf(!gpu)("webgpu reductions", () => {
  it("softmax: random shapes and axes, lanes with NaN and ±Inf", async () => {
    for (const { shape, axis, r } of cases(31, 24)) {
      await expectGpuMatchesJs(gpu!, "softmax", [randomTensor("f32", shape, r, { range: [-20, 20] })], { axis }, { atol: 1e-6, rtol: 1e-5 });
    }
    const special = tensor("f32", [5, 3], [1, NaN, 2, Infinity, 0, 1, -Infinity, -Infinity, -Infinity, -Infinity, 0, 5, 88, 89, -100]);
    await expectGpuMatchesJs(gpu!, "softmax", [special], {}, { atol: 1e-6, rtol: 1e-5 });
    await expectGpuMatchesJs(gpu!, "softmax", [tensor("f32", [0, 4], [])], {});
    await expectGpuMatchesJs(gpu!, "softmax", [tensor("f32", [3, 0], [])], {});
  });

  it("softmax over more lanes than one dispatch dimension holds", async () => {
    const x = randomTensor("f32", [70000, 2], rng(32));
    const out = { dtype: "f32" as const, shape: x.shape };
    expect(softmaxProgram(x, { axis: 1 }, out).dispatch[1]).toBeGreaterThan(1);
    await expectGpuMatchesJs(gpu!, "softmax", [x], {}, { atol: 1e-6, rtol: 1e-5 });
  });

  it("lpNormalize: random shapes and axes, zero lanes, tiny and huge magnitudes, specials", async () => {
    for (const { shape, axis, r } of cases(33, 24)) {
      const x = randomTensor("f32", shape, r);
      if (shape.length > 1 && x.data.length > 3) x.data.fill(0, 0, shape[shape.length - 1]);
      await expectGpuMatchesJs(gpu!, "lpNormalize", [x], { axis }, { atol: 1e-6, rtol: 1e-5 });
    }
    const special = tensor("f32", [6, 3], [3e30, 4e30, 0, 3e-30, -4e-30, 0, 1, NaN, 2, Infinity, 3, -Infinity, 0, -0, 0, 5, 0, 0]);
    await expectGpuMatchesJs(gpu!, "lpNormalize", [special], {}, { atol: 1e-6, rtol: 1e-5 });
  });

  it("argmax: f32 and i32, keepdims, selectLastIndex, ties and NaN", async () => {
    let i = 0;
    for (const { shape, axis, r } of cases(34, 24)) {
      const f32 = i % 2 === 0;
      // A narrow range of integers makes ties common, which is what selectLastIndex is about.
      const x = f32 ? randomTensor("f32", shape, r, { range: [-3, 3], special: 0.03 }) : randomTensor("i32", shape, r, { range: [-3, 3] });
      if (f32) for (let k = 0; k < x.data.length; k++) x.data[k] = Math.round(x.data[k]!);
      await expectGpuMatchesJs(gpu!, "argmax", [x], { axis, keepdims: i % 3 !== 0, selectLastIndex: i % 4 === 1 });
      i++;
    }
    const nanFirst = tensor("f32", [2, 3], [NaN, 5, 7, 1, NaN, 1]);
    const [y] = await runGpu(gpu!, "argmax", [nanFirst], { axis: 1 });
    expect([...y!.data]).toEqual([0, 0]);
  });

  it("topk: largest and smallest, every k, ties keep index order, NaN above +Inf", async () => {
    let i = 0;
    for (const { shape, axis, r } of cases(35, 24)) {
      const x = randomTensor("f32", shape, r, { range: [-4, 4], special: 0.05 });
      for (let k = 0; k < x.data.length; k += 2) x.data[k] = Math.round(x.data[k]!);
      const len = shape[axis < 0 ? axis + shape.length : axis]!;
      const k = i % 5 === 0 ? len : Math.floor(r() * (len + 1));
      await expectGpuMatchesJs(gpu!, "topk", [x], { k, axis, largest: i % 2 === 0 });
      i++;
    }
    const x = tensor("f32", [8], [1, NaN, Infinity, -0, 0, -Infinity, NaN, 1]);
    for (const largest of [true, false]) await expectGpuMatchesJs(gpu!, "topk", [x], { k: 8, largest });
    await expectGpuMatchesJs(gpu!, "topk", [x], { k: 0 });
  });
});
