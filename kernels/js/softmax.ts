/** Reference softmax and L2 normalization along an axis. */

import type { AttrsOf } from "../op-specs.js";
import { cpuKernel, type Kernel } from "../registry.js";
import type { Tensor } from "../tensor.js";
import { axisLanes, forEachLane } from "./axis-lanes.js";

/** ONNX Softmax-13: exp(x - max) / sum, max-subtracted for stability. */
export function softmax(x: Tensor, attrs: AttrsOf<"softmax">): Tensor<"f32"> {
  const out = new Float32Array(x.data.length);
  const src = x.data;
  const l = axisLanes(x, attrs.axis).len;
  forEachLane(axisLanes(x, attrs.axis), (base, stride) => {
    let max = -Infinity;
    for (let j = 0; j < l; j++) {
      const v = src[base + j * stride]!;
      if (v > max || Number.isNaN(v)) max = v;
    }
    let sum = 0;
    for (let j = 0; j < l; j++) {
      const e = Math.exp(src[base + j * stride]! - max);
      out[base + j * stride] = e;
      sum += e;
    }
    for (let j = 0; j < l; j++) out[base + j * stride] = out[base + j * stride]! / sum;
  });
  return { dtype: "f32", shape: [...x.shape], data: out };
}

/** LpNormalization p=2: x / sqrt(Σx²); a lane whose norm is 0 stays all zeros. */
export function lpNormalize(x: Tensor, attrs: AttrsOf<"lpNormalize">): Tensor<"f32"> {
  const out = new Float32Array(x.data.length);
  const src = x.data;
  const lanes = axisLanes(x, attrs.axis);
  forEachLane(lanes, (base, stride) => {
    let ss = 0;
    for (let j = 0; j < lanes.len; j++) {
      const v = src[base + j * stride]!;
      ss += v * v;
    }
    const norm = Math.sqrt(ss);
    for (let j = 0; j < lanes.len; j++) out[base + j * stride] = norm === 0 ? 0 : src[base + j * stride]! / norm;
  });
  return { dtype: "f32", shape: [...x.shape], data: out };
}

export const softmaxJs: Kernel = cpuKernel("softmax", "js", ([x], attrs) => [softmax(x!, attrs)]);
export const lpNormalizeJs: Kernel = cpuKernel("lpNormalize", "js", ([x], attrs) => [lpNormalize(x!, attrs)]);
