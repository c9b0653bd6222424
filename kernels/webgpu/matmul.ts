/**
 * Matmul with 16×16 tiles staged in workgroup memory (each input element is read from storage
 * once per tile instead of once per output), and cosine similarity as a per-output dot product
 * over the two rows. Accumulation runs in f32 in the reference's order (k ascending).
 */

import { gpuKernel, type Kernel } from "../registry.js";
import type { TensorInfo } from "../tensor.js";
import { FLAT_WORKGROUP, splitDispatch, WORKGROUP_BUILTINS } from "./dispatch.js";
import { perElementProgram } from "./per-element-program.js";
import type { ProgramInfo, ProgramUniform } from "./program-info.js";
import { uniformsWgsl } from "./uniforms.js";
import { declareTensor } from "./wgsl.js";

const TILE = 16;

export function matmulProgram(a: TensorInfo, b: TensorInfo, out: TensorInfo): ProgramInfo {
  const [m, k] = a.shape as [number, number];
  const n = b.shape[1]!;
  const tilesM = Math.ceil(m / TILE), tilesN = Math.ceil(n / TILE);
  const uniforms: ProgramUniform[] = [
    { name: "m", type: "u32", data: m },
    { name: "k", type: "u32", data: k },
    { name: "n", type: "u32", data: n },
    { name: "tiles_n", type: "u32", data: tilesN },
    { name: "tiles", type: "u32", data: tilesM * tilesN },
  ];
  const src = `${declareTensor("a", "f32", 0, "read")}${declareTensor("b", "f32", 1, "read")}${declareTensor("c", "f32", 2, "read_write")}${uniformsWgsl(uniforms, 3)}
var<workgroup> ta: array<array<f32, ${TILE}>, ${TILE}>;
var<workgroup> tb: array<array<f32, ${TILE}>, ${TILE}>;

@compute @workgroup_size(${TILE}, ${TILE})
fn main(${WORKGROUP_BUILTINS},
        @builtin(local_invocation_id) lid: vec3<u32>) {
  // Tiles are numbered flat and folded into x·y like every large dispatch; the test is uniform.
  let tile = ${FLAT_WORKGROUP};
  if (tile >= u.tiles) { return; }
  let row = (tile / u.tiles_n) * ${TILE}u + lid.y;
  let col = (tile % u.tiles_n) * ${TILE}u + lid.x;
  var acc = 0.0f;
  let steps = (u.k + ${TILE - 1}u) / ${TILE}u;
  for (var t = 0u; t < steps; t++) {
    let ka = t * ${TILE}u + lid.x;
    let kb = t * ${TILE}u + lid.y;
    var va = 0.0f;
    if (row < u.m && ka < u.k) { va = a[row * u.k + ka]; }
    var vb = 0.0f;
    if (kb < u.k && col < u.n) { vb = b[kb * u.n + col]; }
    ta[lid.y][lid.x] = va;
    tb[lid.y][lid.x] = vb;
    workgroupBarrier();
    for (var i = 0u; i < ${TILE}u; i++) {
      acc = acc + ta[lid.y][i] * tb[i][lid.x];
    }
    workgroupBarrier();
  }
  if (row < u.m && col < u.n) { c[row * u.n + col] = acc; }
}
`;
  return {
    name: "matmul",
    cacheHint: "",
    shaderSource: src,
    outputs: [{ dtype: "f32", shape: [...out.shape] }],
    dispatch: m * n === 0 ? [0, 1, 1] : splitDispatch(tilesM * tilesN),
    uniforms,
  };
}

export function cosineSimilarityProgram(a: TensorInfo, b: TensorInfo, out: TensorInfo): ProgramInfo {
  return perElementProgram({
    name: "cosineSimilarity",
    cacheHint: "",
    inputs: [a, b],
    output: out,
    uniforms: [
      { name: "d", type: "u32", data: a.shape[1]! },
      { name: "cols", type: "u32", data: b.shape[0]! },
    ],
    functions: `fn value(o: u32) -> f32 {
  let ra = (o / u.cols) * u.d;
  let rb = (o % u.cols) * u.d;
  var dot = 0.0f;
  var na = 0.0f;
  var nb = 0.0f;
  for (var p = 0u; p < u.d; p++) {
    let x = load_in0(ra + p);
    let y = load_in1(rb + p);
    dot = dot + x * y;
    na = na + x * x;
    nb = nb + y * y;
  }
  let den = sqrt(na) * sqrt(nb);
  return select(dot / den, 0.0f, den == 0.0f);
}`,
  });
}

export const matmulWebGpu: Kernel = gpuKernel("matmul", ([a, b], _attrs, [out]) => matmulProgram(a!, b!, out!));
export const cosineSimilarityWebGpu: Kernel = gpuKernel("cosineSimilarity", ([a, b], _attrs, [out]) => cosineSimilarityProgram(a!, b!, out!));
