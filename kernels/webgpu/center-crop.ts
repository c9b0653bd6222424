/**
 * Center crop as a strided gather: the output multi-index plus the window's top-left corner is
 * the input multi-index. Works for every dtype (u8 outputs are written a word at a time).
 */

import { cropOffsets } from "../js/center-crop.js";
import { spatialAxes, type AttrsOf } from "../op-specs.js";
import { gpuKernel, type Kernel } from "../registry.js";
import { stridesOf, type TensorInfo } from "../tensor.js";
import { broadcastOffsetsWgsl } from "./elementwise.js";
import { perElementProgram } from "./per-element-program.js";
import type { ProgramInfo } from "./program-info.js";
import { valueType } from "./wgsl.js";

export function centerCropProgram(x: TensorInfo, attrs: AttrsOf<"centerCrop">, out: TensorInfo): ProgramInfo {
  const ax = spatialAxes(x.shape.length, attrs.layout);
  const strides = stridesOf(x.shape);
  const { top, left } = cropOffsets(x, attrs);
  return perElementProgram({
    name: "centerCrop",
    cacheHint: "",
    inputs: [x],
    output: out,
    uniforms: [
      { name: "offset", type: "u32", data: top * strides[ax.h]! + left * strides[ax.w]! },
      { name: "shape", type: "u32", data: out.shape },
      { name: "strides0", type: "u32", data: strides },
    ],
    functions: `fn value(o: u32) -> ${valueType(out.dtype)} {
${broadcastOffsetsWgsl(out.shape.length, 1)}  return load_in0(u.offset + i0);
}`,
  });
}

export const centerCropWebGpu: Kernel = gpuKernel("centerCrop", ([x], attrs, [out]) => centerCropProgram(x!, attrs, out!));
