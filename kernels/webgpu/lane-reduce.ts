/**
 * Shared shape of the programs that reduce along one axis (softmax, lp-normalize): the tensor is
 * seen as [outer, len, inner]; one workgroup owns one lane (an (outer, inner) pair) and its
 * invocations stride over the lane, combining partial results with a tree reduction in
 * workgroup memory. Lane geometry travels in uniforms.
 */

import { axisLanes } from "../js/axis-lanes.js";
import type { TensorInfo } from "../tensor.js";
import { FLAT_WORKGROUP, splitDispatch, WORKGROUP_BUILTINS } from "./dispatch.js";
import type { ProgramInfo, ProgramUniform } from "./program-info.js";
import { uniformsWgsl } from "./uniforms.js";
import { declareTensor } from "./wgsl.js";

/** Invocations per lane; a power of two for the tree reduction. */
export const LANE_WORKGROUP = 64;

/**
 * WGSL statements that reduce the per-invocation value `init` (type `type`) across the
 * workgroup with `combine(a, b)` into `let <result>`; uses the workgroup array `scratch_<type>`.
 * Must run in workgroup-uniform control flow (it contains barriers).
 */
export function workgroupReduce(result: string, type: "f32" | "u32", init: string, combine: (a: string, b: string) => string): string {
  const s = `scratch_${type}`;
  return `  ${s}[lidx] = ${init};
  workgroupBarrier();
  for (var step = ${LANE_WORKGROUP / 2}u; step > 0u; step = step >> 1u) {
    if (lidx < step) { ${s}[lidx] = ${combine(`${s}[lidx]`, `${s}[lidx + step]`)}; }
    workgroupBarrier();
  }
  let ${result} = ${s}[0];
  workgroupBarrier();
`;
}

export interface LaneProgramSpec {
  name: string;
  cacheHint: string;
  x: TensorInfo;
  axis: number;
  out: TensorInfo;
  /** WGSL helper functions (placed before main). */
  functions: string;
  /**
   * Body of main after `base` (index of the lane's first element), `stride` (between lane
   * elements) and `len` are defined; reads `in0`, writes `out0`.
   */
  body: string;
}

export function laneProgram(spec: LaneProgramSpec): ProgramInfo {
  const lanes = axisLanes(spec.x, spec.axis);
  const count = lanes.outer * lanes.inner;
  const uniforms: ProgramUniform[] = [
    { name: "lanes", type: "u32", data: count },
    { name: "len", type: "u32", data: lanes.len },
    { name: "inner", type: "u32", data: lanes.inner },
  ];
  const src = `${declareTensor("in0", spec.x.dtype, 0, "read")}${declareTensor("out0", spec.out.dtype, 1, "read_write")}${uniformsWgsl(uniforms, 2)}
var<workgroup> scratch_f32: array<f32, ${LANE_WORKGROUP}>;
var<workgroup> scratch_u32: array<u32, ${LANE_WORKGROUP}>;

${spec.functions}

@compute @workgroup_size(${LANE_WORKGROUP})
fn main(${WORKGROUP_BUILTINS},
        @builtin(local_invocation_index) lidx: u32) {
  // The lane index is the same for the whole workgroup, so this return keeps barriers uniform.
  let lane = ${FLAT_WORKGROUP};
  if (lane >= u.lanes) { return; }
  let len = u.len;
  let stride = u.inner;
  let base = (lane / u.inner) * len * u.inner + lane % u.inner;
${spec.body}}
`;
  return {
    name: spec.name,
    cacheHint: spec.cacheHint,
    shaderSource: src,
    outputs: [{ dtype: spec.out.dtype, shape: [...spec.out.shape] }],
    dispatch: lanes.len === 0 ? [0, 1, 1] : splitDispatch(count),
    uniforms,
    rankIndependent: true,
  };
}
