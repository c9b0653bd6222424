/**
 * The image preprocessing ops against onnxruntime graphs of the same meaning: normalize as
 * Cast → Mul → Sub → Div → Transpose, and centerCrop as CenterCropPad (opset 18).
 */

import { describe, it } from "vitest";
import type { ImageLayout } from "../../../kernels/op-attrs.js";
import { spatialAxes } from "../../../kernels/op-specs.js";
import type { Tensor } from "../../../kernels/tensor.js";
import { expectTensorClose } from "../../helpers/assert-close.js";
import { buildModel, float32, fromOnnx, int64, runModel, runOnnxOp, toOnnx, type OnnxNode } from "../../helpers/onnx-model.js";
import { randomTensor, rng } from "../../helpers/random-tensors.js";
import { js } from "./conformance.js";

const CASES = 24;

function randomImage(dtype: "u8" | "f32" | "i32", layout: ImageLayout, rank: 3 | 4, rand: () => number, maxHW = 20): Tensor {
  const h = 1 + Math.floor(rand() * maxHW), w = 1 + Math.floor(rand() * maxHW), c = 1 + Math.floor(rand() * 4);
  const spatial = layout === "hwc" ? [h, w, c] : [c, h, w];
  return randomTensor(dtype, rank === 4 ? [1 + Math.floor(rand() * 2), ...spatial] : spatial, rand, { range: [-2, 2] });
}

/** The permutation that takes `from` to `to` for a rank-3/4 image. */
function layoutPerm(rank: number, from: ImageLayout, to: ImageLayout): number[] | undefined {
  if (from === to) return undefined;
  const p3 = from === "hwc" ? [2, 0, 1] : [1, 2, 0];
  return rank === 4 ? [0, ...p3.map((a) => a + 1)] : p3;
}

/** (x · scale − mean) / std with mean and std broadcast along the channel axis, then the layout change. */
async function ortNormalize(x: Tensor, mean: number[], std: number[], scale: number, from: ImageLayout, to: ImageLayout): Promise<Tensor> {
  const c = mean.length;
  const chanDims = from === "hwc" ? [c] : [c, 1, 1];
  const perm = layoutPerm(x.shape.length, from, to);
  const nodes: OnnxNode[] = [
    { op: "Cast", inputs: ["x"], outputs: ["xf"], attrs: { to: 1 } },
    { op: "Mul", inputs: ["xf", "scale"], outputs: ["xs"] },
    { op: "Sub", inputs: ["xs", "mean"], outputs: ["xc"] },
    { op: "Div", inputs: ["xc", "std"], outputs: perm ? ["xn"] : ["y"] },
    ...(perm ? [{ op: "Transpose", inputs: ["xn"], outputs: ["y"], attrs: { perm } }] : []),
  ];
  const feed = toOnnx(x);
  const bytes = buildModel({
    nodes,
    inputs: [{ name: "x", type: feed.type, dims: feed.dims }],
    outputs: [{ name: "y", type: "float32" }],
    initializers: { scale: float32([scale], []), mean: float32(mean, chanDims), std: float32(std, chanDims) },
  });
  return fromOnnx((await runModel(bytes, { x: feed })).y!);
}

describe("normalize vs onnxruntime Cast→Mul→Sub→Div→Transpose", () => {
  for (const dtype of ["u8", "f32"] as const) {
    it(dtype, async () => {
      const rand = rng(dtype === "u8" ? 14000 : 14001);
      for (let n = 0; n < CASES; n++) {
        const inputLayout: ImageLayout = n % 2 ? "hwc" : "chw";
        const outputLayout: ImageLayout = n % 4 < 2 ? "chw" : "hwc";
        const x = randomImage(dtype, inputLayout, n % 3 === 0 ? 3 : 4, rand);
        const c = x.shape[spatialAxes(x.shape.length, inputLayout).c]!;
        const mean = Array.from({ length: c }, () => Math.fround(rand()));
        const std = Array.from({ length: c }, () => Math.fround(0.1 + rand()));
        // Default scale (1/255 for u8, 1 for f32) half the time.
        const scale = n % 2 ? undefined : Math.fround(0.5 + rand());
        const effective = scale ?? (dtype === "u8" ? Math.fround(1 / 255) : 1);
        const want = await ortNormalize(x, mean, std, effective, inputLayout, outputLayout);
        const got = js("normalize", [x], { mean, std, inputLayout, outputLayout, ...(scale === undefined ? {} : { scale }) })[0]!;
        expectTensorClose(got, want, {}, `case ${n} [${x.shape}] ${inputLayout}→${outputLayout}`);
      }
    });
  }
});

describe("centerCrop vs onnxruntime CenterCropPad (opset 18)", () => {
  for (const dtype of ["u8", "f32", "i32"] as const) {
    it(dtype, async () => {
      const rand = rng(15000 + ["u8", "f32", "i32"].indexOf(dtype));
      for (let n = 0; n < CASES; n++) {
        const layout: ImageLayout = n % 2 ? "hwc" : "chw";
        const x = randomImage(dtype, layout, n % 3 === 0 ? 3 : 4, rand);
        const ax = spatialAxes(x.shape.length, layout);
        const size: [number, number] = [1 + Math.floor(rand() * x.shape[ax.h]!), 1 + Math.floor(rand() * x.shape[ax.w]!)];
        const [want] = await runOnnxOp("CenterCropPad", [x, { constant: int64(size) }], { axes: [ax.h, ax.w] });
        expectTensorClose(js("centerCrop", [x], { size, layout })[0]!, want!, {}, `case ${n} [${x.shape}] → ${size}`);
      }
    });
  }
});
