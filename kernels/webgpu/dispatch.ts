/**
 * Dispatch sizing. WebGPU guarantees only 65535 workgroups per dimension, so a 1-D grid larger
 * than that is folded into x·y; the shader rebuilds the flat workgroup index from both (extra
 * workgroups of the last row fall past the end and return early).
 */

/** The limit every WebGPU device guarantees for maxComputeWorkgroupsPerDimension. */
export const MAX_WORKGROUPS_PER_DIM = 65535;

/** Default workgroup size of 1-D programs: a multiple of every GPU's SIMD width we care about. */
export const WORKGROUP_SIZE = 64;

/** Folds `workgroups` (a flat count) into an x·y grid with both sides within `maxPerDim`. */
export function splitDispatch(workgroups: number, maxPerDim = MAX_WORKGROUPS_PER_DIM): [number, number, number] {
  if (!Number.isInteger(workgroups) || workgroups < 0) throw new RangeError(`splitDispatch: bad workgroup count ${workgroups}`);
  if (workgroups <= maxPerDim) return [workgroups, 1, 1];
  const y = Math.ceil(workgroups / maxPerDim);
  if (y > maxPerDim) throw new RangeError(`splitDispatch: ${workgroups} workgroups exceed ${maxPerDim}² `);
  return [Math.ceil(workgroups / y), y, 1];
}

/** The dispatch for `invocations` threads in 1-D workgroups of `workgroupSize`. */
export function dispatchFor(invocations: number, workgroupSize = WORKGROUP_SIZE): [number, number, number] {
  return splitDispatch(Math.ceil(invocations / workgroupSize));
}

/** Builtins an entry point declares to rebuild the flat workgroup index (FLAT_WORKGROUP). */
export const WORKGROUP_BUILTINS = "@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>";

/** WGSL for the flat index of this workgroup in a grid folded by splitDispatch. */
export const FLAT_WORKGROUP = "wid.y * nwg.x + wid.x";

/**
 * Entry-point header of a 1-D program: declares `main` and defines `wg` (the flat workgroup
 * index), `lidx` (the local index) and `gidx` (the flat invocation index). Follow it with the
 * body and a closing brace.
 */
export function mainHeader(workgroupSize = WORKGROUP_SIZE): string {
  return `@compute @workgroup_size(${workgroupSize})
fn main(${WORKGROUP_BUILTINS},
        @builtin(local_invocation_index) lidx: u32) {
  let wg = ${FLAT_WORKGROUP};
  let gidx = wg * ${workgroupSize}u + lidx;
`;
}
