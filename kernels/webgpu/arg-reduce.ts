/**
 * ArgMax (one invocation per lane, a sequential scan as the reference does) and TopK (one
 * invocation per lane element: each element counts the elements that precede it in the total
 * order — value, NaN above +Inf, then index — and writes itself at that rank if it is below k;
 * ranks are distinct, so writes never collide). TopK costs O(len²) per lane: fine for class
 * scores and candidate lists, not for vocabulary-sized lanes.
 */

import { axisLanes } from "../js/axis-lanes.js";
import type { AttrsOf } from "../op-specs.js";
import { gpuKernel, type Kernel } from "../registry.js";
import { sizeOf, type TensorInfo } from "../tensor.js";
import { dispatchFor, mainHeader } from "./dispatch.js";
import { perElementProgram } from "./per-element-program.js";
import type { ProgramInfo, ProgramUniform } from "./program-info.js";
import { uniformsWgsl } from "./uniforms.js";
import { declareTensor, SPECIAL_VALUES_WGSL } from "./wgsl.js";

export function argmaxProgram(x: TensorInfo, attrs: AttrsOf<"argmax">, out: TensorInfo): ProgramInfo {
  const lanes = axisLanes(x, attrs.axis);
  const f32 = x.dtype === "f32";
  // `>` (or `>=`) with NaN on either side is false: a NaN never becomes, nor stops being, the maximum.
  const better = attrs.selectLastIndex ? "v >= best" : "v > best";
  const cond = f32 ? `!sl_isnan(v) && !sl_isnan(best) && ${better}` : better;
  return perElementProgram({
    name: "argmax",
    cacheHint: attrs.selectLastIndex ? "last" : "first",
    inputs: [x],
    output: out,
    rankIndependent: true,
    uniforms: [
      { name: "len", type: "u32", data: lanes.len },
      { name: "inner", type: "u32", data: lanes.inner },
    ],
    functions: `${SPECIAL_VALUES_WGSL}
fn value(o: u32) -> i32 {
  let base = (o / u.inner) * u.len * u.inner + o % u.inner;
  var best = load_in0(base);
  var bi = 0u;
  for (var j = 1u; j < u.len; j++) {
    let v = load_in0(base + j * u.inner);
    if (${cond}) {
      best = v;
      bi = j;
    }
  }
  return i32(bi);
}`,
  });
}

export function topkProgram(x: TensorInfo, attrs: AttrsOf<"topk">, outs: readonly TensorInfo[]): ProgramInfo {
  const lanes = axisLanes(x, attrs.axis);
  const threads = lanes.outer * lanes.inner * lanes.len;
  const uniforms: ProgramUniform[] = [
    { name: "threads", type: "u32", data: threads },
    { name: "len", type: "u32", data: lanes.len },
    { name: "inner", type: "u32", data: lanes.inner },
    { name: "k", type: "u32", data: attrs.k },
    { name: "largest", type: "u32", data: attrs.largest ? 1 : 0 },
  ];
  const src = `${declareTensor("in0", "f32", 0, "read")}${declareTensor("values", "f32", 1, "read_write")}${declareTensor("indices", "i32", 2, "read_write")}${uniformsWgsl(uniforms, 3)}
${SPECIAL_VALUES_WGSL}
// Whether (a, ia) comes before (b, ib): kernels/js/arg-reduce.ts topkCompare < 0.
fn precedes(a: f32, ia: u32, b: f32, ib: u32) -> bool {
  let an = sl_isnan(a);
  let bn = sl_isnan(b);
  if (an || bn) {
    if (an && bn) { return ia < ib; }
    return select(bn, an, u.largest != 0u);
  }
  if (a != b) { return select((a < b), (a > b), u.largest != 0u); }
  return ia < ib;
}

${mainHeader()}  if (gidx >= u.threads) { return; }
  let lane = gidx / u.len;
  let j = gidx % u.len;
  let outer = lane / u.inner;
  let inner = lane % u.inner;
  let base = outer * u.len * u.inner + inner;
  let v = in0[base + j * u.inner];
  var rank = 0u;
  for (var i = 0u; (i < u.len) && (rank < u.k); i++) {
    if (i != j && precedes(in0[base + i * u.inner], i, v, j)) { rank++; }
  }
  if (rank < u.k) {
    let dst = outer * u.k * u.inner + rank * u.inner + inner;
    values[dst] = v;
    indices[dst] = i32(j);
  }
}
`;
  return {
    name: "topk",
    cacheHint: "",
    shaderSource: src,
    outputs: outs.map((o) => ({ dtype: o.dtype, shape: [...o.shape] })),
    dispatch: sizeOf(outs[0]!.shape) === 0 ? [0, 1, 1] : dispatchFor(threads),
    uniforms,
    rankIndependent: true,
  };
}

export const argmaxWebGpu: Kernel = gpuKernel("argmax", ([x], attrs, [out]) => argmaxProgram(x!, attrs, out!));
export const topkWebGpu: Kernel = gpuKernel("topk", ([x], attrs, outs) => topkProgram(x!, attrs, outs));
