/** WebGPU normalize, resize and centerCrop against the js reference. */

import { describe, it } from "vitest";
import type { CoordinateTransformationMode, ImageLayout, NearestMode, ResizeAttrs } from "../../../kernels/op-attrs.js";
import type { DType, Tensor } from "../../../kernels/tensor.js";
import { randomTensor, rng } from "../../helpers/random-tensors.js";
import { expectGpuMatchesJs, webgpuForTests } from "../../helpers/webgpu.js";

const gpu = await webgpuForTests();

const LAYOUTS: ImageLayout[] = ["hwc", "chw"];
const CTMS: CoordinateTransformationMode[] = ["half_pixel", "pytorch_half_pixel", "align_corners", "asymmetric"];
const NEAREST: NearestMode[] = ["round_prefer_floor", "round_prefer_ceil", "floor", "ceil"];

/** A random image tensor: rank 3 or 4, 1–4 channels, spatial dims 1–max. */
function image(dtype: "u8" | "f32", layout: ImageLayout, r: () => number, max = 13): Tensor {
  const h = 1 + Math.floor(r() * max), w = 1 + Math.floor(r() * max), c = 1 + Math.floor(r() * 4);
  const spatial = layout === "hwc" ? [h, w, c] : [c, h, w];
  const shape = r() < 0.4 ? [1 + Math.floor(r() * 2), ...spatial] : spatial;
  return randomTensor(dtype, shape, r, { range: [-3, 3] });
}

function channels(x: Tensor, layout: ImageLayout): number {
  const rank = x.shape.length;
  return x.shape[layout === "hwc" ? rank - 1 : rank - 3]!;
}

describe.skipIf(!gpu)("webgpu image ops", () => {
  it("normalize: u8/f32, every layout pair, rank 3 and 4, odd sizes", async () => {
    const r = rng(11);
    for (let i = 0; i < 32; i++) {
      const dtype: "u8" | "f32" = i % 2 === 0 ? "u8" : "f32";
      const inputLayout = LAYOUTS[(i >> 1) % 2]!, outputLayout = LAYOUTS[(i >> 2) % 2]!;
      const x = image(dtype, inputLayout, r);
      const c = channels(x, inputLayout);
      const mean = Array.from({ length: c }, () => r());
      const std = Array.from({ length: c }, () => 0.1 + r());
      const attrs = { mean, std, inputLayout, outputLayout, ...(i % 5 === 0 ? { scale: 0.5 } : {}) };
      await expectGpuMatchesJs(gpu!, "normalize", [x], attrs, { atol: 2e-5, rtol: 1e-5 });
    }
    await expectGpuMatchesJs(gpu!, "normalize", [randomTensor("u8", [0, 5, 3], r)], { mean: [0, 0, 0], std: [1, 1, 1] });
  });

  it("centerCrop: every dtype and layout, odd margins, u8 lengths not a multiple of 4", async () => {
    const r = rng(12);
    for (let i = 0; i < 30; i++) {
      const dtype = (["u8", "i32", "f32"] as DType[])[i % 3]!;
      const layout = LAYOUTS[(i >> 1) % 2]!;
      const x = image(dtype === "u8" ? "u8" : "f32", layout, r, 15);
      const src = dtype === "i32" ? randomTensor("i32", x.shape, r) : x;
      const rank = x.shape.length;
      const h = x.shape[layout === "hwc" ? rank - 3 : rank - 2]!, w = x.shape[layout === "hwc" ? rank - 2 : rank - 1]!;
      const size: [number, number] = [1 + Math.floor(r() * h), 1 + Math.floor(r() * w)];
      await expectGpuMatchesJs(gpu!, "centerCrop", [src], { size, layout });
    }
  });

  /** Runs `attrs` on random images of both dtypes, down- and upscaling. */
  async function resizeCases(seed: number, cases: number, attrsOf: (i: number) => Omit<ResizeAttrs, "size" | "layout">): Promise<void> {
    const r = rng(seed);
    for (let i = 0; i < cases; i++) {
      const dtype: "u8" | "f32" = i % 2 === 0 ? "u8" : "f32";
      const layout = LAYOUTS[(i >> 1) % 2]!;
      const x = image(dtype, layout, r, 17);
      const size: [number, number] = [1 + Math.floor(r() * 20), 1 + Math.floor(r() * 20)];
      // u8 results are integer arithmetic in both implementations: exact. f32 may differ by
      // the rounding of a fused multiply-add.
      await expectGpuMatchesJs(gpu!, "resize", [x], { size, layout, ...attrsOf(i) }, dtype === "u8" ? {} : { atol: 1e-5, rtol: 1e-5 }, `case ${i}`);
    }
  }

  it("resize nearest: every nearest mode × coordinate mode", async () => {
    await resizeCases(21, 32, (i) => ({ mode: "nearest", nearestMode: NEAREST[i % 4]!, coordinateTransformationMode: CTMS[(i >> 2) % 4]! }));
  });

  it("resize linear: every coordinate mode", async () => {
    await resizeCases(22, 32, (i) => ({ mode: "linear", coordinateTransformationMode: CTMS[i % 4]! }));
  });

  it("resize linear antialias: every coordinate mode, strong downscales", async () => {
    await resizeCases(23, 24, (i) => ({ mode: "linear", antialias: true, coordinateTransformationMode: CTMS[i % 4]! }));
    const r = rng(24);
    for (const dtype of ["u8", "f32"] as const) {
      const x = randomTensor(dtype, [61, 47, 3], r, { range: [0, 1] });
      await expectGpuMatchesJs(gpu!, "resize", [x], { size: [7, 9], antialias: true }, dtype === "u8" ? {} : { atol: 1e-5, rtol: 1e-5 });
    }
  });
});
