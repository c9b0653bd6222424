/** Reference per-channel normalize fused with u8→f32 and the hwc↔chw layout change. */

import { spatialAxes, type AttrsOf } from "../op-specs.js";
import { cpuKernel, type Kernel } from "../registry.js";
import type { Tensor, TensorInfo } from "../tensor.js";

export function normalize(x: Tensor, attrs: AttrsOf<"normalize">, out: TensorInfo): Tensor<"f32"> {
  const rank = x.shape.length;
  const ax = spatialAxes(rank, attrs.inputLayout);
  const n = rank === 4 ? x.shape[0]! : 1;
  const h = x.shape[ax.h]!, w = x.shape[ax.w]!, c = x.shape[ax.c]!;
  const plane = h * w;
  const data = new Float32Array(n * plane * c);
  const inHwc = attrs.inputLayout === "hwc", outHwc = attrs.outputLayout === "hwc";
  for (let b = 0; b < n; b++) {
    const base = b * plane * c;
    for (let p = 0; p < plane; p++) {
      for (let ch = 0; ch < c; ch++) {
        const src = base + (inHwc ? p * c + ch : ch * plane + p);
        const dst = base + (outHwc ? p * c + ch : ch * plane + p);
        data[dst] = (x.data[src]! * attrs.scale - attrs.mean[ch]!) / attrs.std[ch]!;
      }
    }
  }
  return { dtype: "f32", shape: [...out.shape], data };
}

export const normalizeJs: Kernel = cpuKernel("normalize", "js", ([x], attrs, [out]) => [normalize(x!, attrs, out!)]);
