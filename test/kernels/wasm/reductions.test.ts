import { describe, expect, it } from "vitest";
import { runCpu } from "../../../kernels/registry.js";
import { tensor } from "../../../kernels/tensor.js";
import { randomShape, randomTensor, rng } from "../../helpers/random-tensors.js";
import { expectWasmMatchesJs, useWasm } from "./wasm-conformance.js";

useWasm();

/** 24 random shapes of rank 1–4 with a random axis, plus lengths around the SIMD width. */
function* cases(seed: number): Generator<{ shape: number[]; axis: number }> {
  const r = rng(seed);
  for (let i = 0; i < 24; i++) {
    const shape = randomShape(1 + Math.floor(r() * 4), r, 13);
    yield { shape, axis: Math.floor(r() * shape.length) - (i % 2 ? shape.length : 0) };
  }
  for (const n of [1, 2, 3, 4, 5, 7, 8, 9, 31, 1000]) yield { shape: [2, n], axis: -1 };
  for (const n of [1, 3, 4, 5, 9]) yield { shape: [3, 7, n], axis: 1 };
}

describe("wasm softmax and lpNormalize", () => {
  it("softmax matches js on random shapes and axes, with NaN/Inf", () => {
    const r = rng(91);
    for (const { shape, axis } of cases(92)) {
      expectWasmMatchesJs("softmax", [randomTensor("f32", shape, r, { range: [-20, 20] })], { axis }, { atol: 1e-6, rtol: 1e-5 }, `[${shape}] axis ${axis}`);
      expectWasmMatchesJs("softmax", [randomTensor("f32", shape, r, { special: 0.05 })], { axis }, { atol: 1e-6, rtol: 1e-5 }, `special [${shape}] axis ${axis}`);
    }
  });

  it("lpNormalize matches js (zero lanes stay zero, huge values do not overflow)", () => {
    const r = rng(93);
    for (const { shape, axis } of cases(94)) {
      expectWasmMatchesJs("lpNormalize", [randomTensor("f32", shape, r)], { axis }, { atol: 1e-7, rtol: 1e-6 }, `[${shape}] axis ${axis}`);
    }
    expectWasmMatchesJs("lpNormalize", [tensor("f32", [2, 5], [0, 0, 0, 0, 0, 3e38, -3e38, 1, 2e38, 0])], {}, { atol: 0, rtol: 1e-6 });
    expect([...runCpu("lpNormalize", "wasm", [tensor("f32", [4], [0, 0, 0, 0])], {})[0]!.data]).toEqual([0, 0, 0, 0]);
  });
});

describe("wasm argmax and topk", () => {
  it("argmax f32/i32, keepdims and selectLastIndex, on random shapes with ties and NaN", () => {
    const r = rng(95);
    for (const { shape, axis } of cases(96)) {
      for (const selectLastIndex of [false, true]) {
        // Few distinct values: many ties.
        const xi = randomTensor("i32", shape, r, { range: [-3, 3] });
        expectWasmMatchesJs("argmax", [xi], { axis, selectLastIndex, keepdims: r() < 0.5 }, {}, `i32 [${shape}] axis ${axis}`);
        const xf = randomTensor("f32", shape, r, { special: 0.1 });
        for (let i = 0; i < xf.data.length; i++) if (r() < 0.3) xf.data[i] = Math.round(xf.data[i]!);
        expectWasmMatchesJs("argmax", [xf], { axis, selectLastIndex }, {}, `f32 [${shape}] axis ${axis}`);
      }
    }
  });

  it("argmax: a NaN first element wins, later NaNs never do; -0 ties +0", () => {
    const x = tensor("f32", [3, 6], [NaN, 5, 9, 1, 2, 3, 1, NaN, 2, NaN, 2, 0, -0, 0, -1, 0, -0, -5]);
    expectWasmMatchesJs("argmax", [x], { axis: 1 }, {});
    expect([...runCpu("argmax", "wasm", [x], { axis: 1 })[0]!.data]).toEqual([0, 2, 0]);
    expect([...runCpu("argmax", "wasm", [x], { axis: 1, selectLastIndex: true })[0]!.data]).toEqual([0, 4, 4]);
  });

  it("topk largest and smallest, every k, on random shapes with ties, NaN, ±Inf and -0", () => {
    const r = rng(97);
    for (const { shape, axis } of cases(98)) {
      const len = shape.at(axis)!;
      const x = randomTensor("f32", shape, r, { special: 0.08 });
      for (let i = 0; i < x.data.length; i++) if (r() < 0.3) x.data[i] = r() < 0.5 ? -0 : Math.round(x.data[i]! / 4);
      for (const k of new Set([0, 1, Math.floor(len / 2), len])) {
        expectWasmMatchesJs("topk", [x], { k, axis, largest: r() < 0.6 }, {}, `[${shape}] axis ${axis} k ${k}`);
      }
    }
  });
});
