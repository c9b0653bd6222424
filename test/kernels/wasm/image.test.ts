import { describe, it } from "vitest";
import type { ImageLayout, ResizeAttrs } from "../../../kernels/op-attrs.js";
import type { DType } from "../../../kernels/tensor.js";
import { randomTensor, rng } from "../../helpers/random-tensors.js";
import { expectWasmMatchesJs, useWasm } from "./wasm-conformance.js";

useWasm();

function imageShape(layout: ImageLayout, n: number | undefined, h: number, w: number, c: number): number[] {
  const s = layout === "hwc" ? [h, w, c] : [c, h, w];
  return n === undefined ? s : [n, ...s];
}

describe("wasm normalize", () => {
  it("all layout pairs, u8 and f32, 1–5 channels, batched or not, on 24 random images", () => {
    const r = rng(61);
    for (let i = 0; i < 24; i++) {
      const dtype: DType = i % 2 ? "u8" : "f32";
      const inputLayout: ImageLayout = i % 4 < 2 ? "hwc" : "chw";
      const outputLayout: ImageLayout = i % 8 < 4 ? "chw" : "hwc";
      const c = [3, 1, 4, 2, 5, 3][i % 6]!;
      const h = 1 + Math.floor(r() * 20), w = 1 + Math.floor(r() * 37);
      const x = randomTensor(dtype, imageShape(inputLayout, i % 3 ? undefined : 2, h, w, c), r, { range: [-2, 300] });
      const mean = Array.from({ length: c }, () => r());
      const std = Array.from({ length: c }, () => 0.1 + r());
      expectWasmMatchesJs("normalize", [x], { mean, std, inputLayout, outputLayout, scale: i % 5 ? undefined : 0.5 }, {}, `#${i} ${dtype} ${inputLayout}→${outputLayout} c=${c} ${h}x${w}`);
    }
  });

  it("an RGB image whose pixel count is not a multiple of 16", () => {
    const r = rng(63);
    for (const [h, w] of [[1, 1], [3, 5], [7, 9], [16, 16], [17, 33]] as const) {
      for (const dtype of ["u8", "f32"] as const) {
        expectWasmMatchesJs("normalize", [randomTensor(dtype, [h, w, 3], r)], { mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] }, {}, `${h}x${w}`);
      }
    }
  });
});

describe("wasm resize (bit-exact with the js reference)", () => {
  const cases: { label: string; attrs: Omit<ResizeAttrs, "size"> }[] = [
    { label: "linear", attrs: {} },
    { label: "antialias", attrs: { antialias: true } },
    { label: "nearest", attrs: { mode: "nearest" } },
    { label: "nearest ceil asymmetric", attrs: { mode: "nearest", nearestMode: "ceil", coordinateTransformationMode: "asymmetric" } },
    { label: "linear align_corners", attrs: { coordinateTransformationMode: "align_corners" } },
    { label: "antialias pytorch_half_pixel", attrs: { antialias: true, coordinateTransformationMode: "pytorch_half_pixel" } },
  ];
  for (const { label, attrs } of cases) {
    it(`${label}: u8 and f32, hwc and chw, 1/3/4 channels, up and down, on 24 random cases`, () => {
      const r = rng(71 + label.length);
      for (let i = 0; i < 24; i++) {
        const dtype: DType = i % 2 ? "u8" : "f32";
        const layout: ImageLayout = i % 4 < 2 ? "hwc" : "chw";
        const c = [3, 1, 4, 3, 2][i % 5]!;
        const h = 1 + Math.floor(r() * 40), w = 1 + Math.floor(r() * 40);
        const size: [number, number] = [1 + Math.floor(r() * 30), 1 + Math.floor(r() * 30)];
        const x = randomTensor(dtype, imageShape(layout, i % 3 ? undefined : 2, h, w, c), r, { range: [-5, 5] });
        expectWasmMatchesJs("resize", [x], { ...attrs, size, layout }, { atol: 0, rtol: 0 }, `#${i} ${dtype} ${layout} c=${c} ${h}x${w}→${size}`);
      }
    });
  }

  it("1920x1080 RGB u8 → 224x224 antialias and plain linear", () => {
    const r = rng(79);
    const x = randomTensor("u8", [1080, 1920, 3], r);
    expectWasmMatchesJs("resize", [x], { size: [224, 224], antialias: true }, { atol: 0, rtol: 0 });
    expectWasmMatchesJs("resize", [x], { size: [224, 224] }, { atol: 0, rtol: 0 });
  });
});

describe("wasm centerCrop", () => {
  it("u8/i32/f32, hwc and chw, batched or not, on 24 random cases", () => {
    const r = rng(81);
    for (let i = 0; i < 24; i++) {
      const dtype = (["u8", "i32", "f32"] as const)[i % 3];
      const layout: ImageLayout = i % 4 < 2 ? "hwc" : "chw";
      const c = 1 + (i % 4);
      const h = 1 + Math.floor(r() * 30), w = 1 + Math.floor(r() * 30);
      const size: [number, number] = [1 + Math.floor(r() * h), 1 + Math.floor(r() * w)];
      const x = randomTensor(dtype, imageShape(layout, i % 3 ? undefined : 3, h, w, c), r);
      expectWasmMatchesJs("centerCrop", [x], { size, layout }, {}, `#${i}`);
    }
  });
});
