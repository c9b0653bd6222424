/**
 * Per-channel normalize fused with u8→f32 and the layout change, one output element per
 * invocation. Mean and std travel in a constant buffer (their length is the channel count, a
 * shape property), so one pipeline per (dtype, layouts, rank) serves every image size.
 */

import { spatialAxes, type AttrsOf } from "../op-specs.js";
import { gpuKernel, type Kernel } from "../registry.js";
import type { TensorInfo } from "../tensor.js";
import { perElementProgram } from "./per-element-program.js";
import type { ProgramInfo } from "./program-info.js";

export function normalizeProgram(x: TensorInfo, attrs: AttrsOf<"normalize">, out: TensorInfo): ProgramInfo {
  const ax = spatialAxes(x.shape.length, attrs.inputLayout);
  const c = x.shape[ax.c]!;
  const inHwc = attrs.inputLayout === "hwc", outHwc = attrs.outputLayout === "hwc";
  return perElementProgram({
    name: "normalize",
    cacheHint: `${attrs.inputLayout}>${attrs.outputLayout}`,
    inputs: [x],
    output: out,
    rankIndependent: true,
    uniforms: [
      { name: "plane", type: "u32", data: x.shape[ax.h]! * x.shape[ax.w]! },
      { name: "c", type: "u32", data: c },
      { name: "scale", type: "f32", data: attrs.scale },
    ],
    // mean[0..c), then std[0..c)
    constants: [{ name: "mean_std", type: "f32", data: [...attrs.mean, ...attrs.std] }],
    functions: `fn value(o: u32) -> f32 {
  let per = u.plane * u.c;
  let b = o / per;
  let r = o % per;
  ${outHwc ? "let p = r / u.c;\n  let ch = r % u.c;" : "let ch = r / u.plane;\n  let p = r % u.plane;"}
  let src = b * per + ${inHwc ? "p * u.c + ch" : "ch * u.plane + p"};
  let x = f32(load_in0(src));
  return (x * u.scale - mean_std[ch]) / mean_std[u.c + ch];
}`,
  });
}

export const normalizeWebGpu: Kernel = gpuKernel("normalize", ([x], attrs, [out]) => normalizeProgram(x!, attrs, out!));
