/**
 * Softmax and L2 normalization along an axis, one workgroup per lane (see lane-reduce.ts).
 * Softmax follows the reference's special cases: any NaN in a lane makes the lane NaN, and
 * ±Inf flow through exp(x - max) as IEEE arithmetic says. The L2 norm is computed from x / max|x|,
 * so f32 squares neither overflow nor underflow where the double-precision reference would not.
 */

import type { AttrsOf } from "../op-specs.js";
import { gpuKernel, type Kernel } from "../registry.js";
import type { TensorInfo } from "../tensor.js";
import { ELEMENTWISE_WGSL } from "./elementwise-exprs.js";
import { LANE_WORKGROUP, laneProgram, workgroupReduce } from "./lane-reduce.js";
import type { ProgramInfo } from "./program-info.js";

const forLane = (body: string): string => `  for (var j = lidx; j < len; j = j + ${LANE_WORKGROUP}u) {
    let at = base + j * stride;
${body}
  }
`;

export function softmaxProgram(x: TensorInfo, attrs: AttrsOf<"softmax">, out: TensorInfo): ProgramInfo {
  const body = `  var m = -sl_inf();
  var nan = 0u;
${forLane(`    let v = in0[at];
    if (sl_isnan(v)) { nan = 1u; } else { m = max(m, v); }`)}${workgroupReduce("lane_max", "f32", "m", (a, b) => `max(${a}, ${b})`)}${workgroupReduce("lane_nan", "u32", "nan", (a, b) => `max(${a}, ${b})`)}  let mx = select(lane_max, sl_nan(), lane_nan != 0u);
  var s = 0.0f;
${forLane("    s = s + sl_exp(in0[at] - mx);")}${workgroupReduce("total", "f32", "s", (a, b) => `${a} + ${b}`)}${forLane("    out0[at] = sl_exp(in0[at] - mx) / total;")}`;
  return laneProgram({ name: "softmax", cacheHint: "", x, axis: attrs.axis, out, functions: ELEMENTWISE_WGSL, body });
}

export function lpNormalizeProgram(x: TensorInfo, attrs: AttrsOf<"lpNormalize">, out: TensorInfo): ProgramInfo {
  const body = `  var m = 0.0f;
  var nan = 0u;
${forLane(`    let v = in0[at];
    if (sl_isnan(v)) { nan = 1u; } else { m = max(m, abs(v)); }`)}${workgroupReduce("mx", "f32", "m", (a, b) => `max(${a}, ${b})`)}${workgroupReduce("lane_nan", "u32", "nan", (a, b) => `max(${a}, ${b})`)}  let scaled = mx > 0.0f && !sl_isinf(mx);
  var s = 0.0f;
${forLane(`    let q = select(0.0f, in0[at] / mx, scaled);
    s = s + q * q;`)}${workgroupReduce("ss", "f32", "s", (a, b) => `${a} + ${b}`)}  let root = sqrt(ss);
${forLane(`    let v = in0[at];
    var r = (v / mx) / root;
    // An infinite element makes the norm infinite: finite elements become 0, infinite ones NaN.
    if (sl_isinf(mx)) { r = select(0.0f, sl_nan(), sl_isinf(v)); }
    if (mx == 0.0f) { r = 0.0f; }
    if (lane_nan != 0u) { r = sl_nan(); }
    out0[at] = r;`)}`;
  return laneProgram({ name: "lpNormalize", cacheHint: "", x, axis: attrs.axis, out, functions: ELEMENTWISE_WGSL, body });
}

export const softmaxWebGpu: Kernel = gpuKernel("softmax", ([x], attrs, [out]) => softmaxProgram(x!, attrs, out!));
export const lpNormalizeWebGpu: Kernel = gpuKernel("lpNormalize", ([x], attrs, [out]) => lpNormalizeProgram(x!, attrs, out!));
