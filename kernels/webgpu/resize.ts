/**
 * ONNX Resize over the two spatial axes, with the sampling tables of kernels/js/resize-weights.ts
 * (onnxruntime's arithmetic) passed as constant buffers, so the GPU reads the same input pixels
 * with the same coefficients as the reference:
 * - nearest: a gather through per-axis index tables;
 * - linear: the 2×2 bilinear sum (f32), or ORT's Q10 integer form truncated for u8;
 * - antialias: the separable filter evaluated per output, W taps inside H taps; for u8 each
 *   W-pass value is rounded and saturated exactly as ORT's intermediate u8 image is.
 * The coordinate modes only change the tables, so they are not part of the cache key.
 */

import { axisWeights, nearestIndex, type AxisWeights } from "../js/resize-weights.js";
import { spatialAxes, type AttrsOf } from "../op-specs.js";
import { gpuKernel, type Kernel } from "../registry.js";
import type { TensorInfo } from "../tensor.js";
import { perElementProgram } from "./per-element-program.js";
import type { ProgramInfo, ProgramUniform } from "./program-info.js";
import { valueType } from "./wgsl.js";

/** Both layouts seen as [planes, H, W, inner] (hwc: inner = C; chw: planes = N·C, inner = 1). */
function imageDims(shape: readonly number[], layout: "hwc" | "chw"): { h: number; w: number; inner: number } {
  const ax = spatialAxes(shape.length, layout);
  return { h: shape[ax.h]!, w: shape[ax.w]!, inner: layout === "hwc" ? shape[ax.c]! : 1 };
}

/** WGSL that splits output index `o` into plane `p`, row `oy`, column `ox` and channel `k`. */
const DECOMPOSE = `  let k = o % u.inner;
  var t = o / u.inner;
  let ox = t % u.ow;
  t = t / u.ow;
  let oy = t % u.oh;
  let p = t / u.oh;
  let plane_base = p * u.h;
`;

/** Input element at row `r`, column `c` of plane `p`, channel `k` (names from DECOMPOSE). */
const PIXEL = "load_in0(((plane_base + u32(r)) * u.w + u32(c)) * u.inner + k)";

function nearestFunctions(dtype: TensorInfo["dtype"]): string {
  return `fn value(o: u32) -> ${valueType(dtype)} {
${DECOMPOSE}  let r = tab[oy];
  let c = tab[u.oh + ox];
  return ${PIXEL};
}`;
}

/**
 * The i32 table: [startY, countY, startX, countX, fixedY, fixedX], f32 table: [weightsY, weightsX].
 * Offsets follow from oh, ow and the tap counts in uniforms.
 */
function linearTables(wy: AxisWeights, wx: AxisWeights): { ints: Int32Array; floats: Float32Array } {
  const ints = new Int32Array(2 * wy.outLen + 2 * wx.outLen + wy.fixed.length + wx.fixed.length);
  let at = 0;
  for (const a of [wy.start, wy.count, wx.start, wx.count, wy.fixed, wx.fixed]) {
    ints.set(a, at);
    at += a.length;
  }
  const floats = new Float32Array(wy.weights.length + wx.weights.length);
  floats.set(wy.weights, 0);
  floats.set(wx.weights, wy.weights.length);
  return { ints, floats };
}

const TABLE_OFFSETS = `  let count_y = tab[u.oh + oy];
  let start_y = tab[oy];
  let start_x = tab[2u * u.oh + ox];
  let count_x = tab[2u * u.oh + u.ow + ox];
  let fy = 2u * u.oh + 2u * u.ow + oy * u.taps_y;
  let fx = 2u * u.oh + 2u * u.ow + u.oh * u.taps_y + ox * u.taps_x;
  let wy = oy * u.taps_y;
  let wx = u.oh * u.taps_y + ox * u.taps_x;
`;

function bilinearFunctions(dtype: TensorInfo["dtype"]): string {
  if (dtype === "u8") {
    // Q10 × Q10 coefficients sum to exactly 2^20, so the sum fits a u32 and >> 20 is ORT's truncation.
    return `fn value(o: u32) -> u32 {
${DECOMPOSE}${TABLE_OFFSETS}  var acc = 0u;
  for (var ty = 0; ty < count_y; ty++) {
    let r = start_y + ty;
    for (var tx = 0; tx < count_x; tx++) {
      let c = start_x + tx;
      acc = acc + u32(tab[fx + u32(tx)]) * u32(tab[fy + u32(ty)]) * ${PIXEL};
    }
  }
  return acc >> 20u;
}`;
  }
  return `fn value(o: u32) -> f32 {
${DECOMPOSE}${TABLE_OFFSETS}  var acc = 0.0f;
  for (var ty = 0; ty < count_y; ty++) {
    let r = start_y + ty;
    for (var tx = 0; tx < count_x; tx++) {
      let c = start_x + tx;
      acc = acc + (wts[wx + u32(tx)] * wts[wy + u32(ty)]) * ${PIXEL};
    }
  }
  return acc;
}`;
}

function antialiasFunctions(dtype: TensorInfo["dtype"]): string {
  if (dtype === "u8") {
    return `fn value(o: u32) -> u32 {
${DECOMPOSE}${TABLE_OFFSETS}  var acc = 1i << 21u;
  for (var ty = 0; ty < count_y; ty++) {
    let r = start_y + ty;
    // The W pass's value at (r, ox), rounded half up and saturated like ORT's u8 intermediate.
    var row = 1i << 21u;
    for (var tx = 0; tx < count_x; tx++) {
      let c = start_x + tx;
      row = row + tab[fx + u32(tx)] * i32(${PIXEL});
    }
    acc = acc + tab[fy + u32(ty)] * clamp(row >> 22u, 0i, 255i);
  }
  return u32(clamp(acc >> 22u, 0i, 255i));
}`;
  }
  return `fn value(o: u32) -> f32 {
${DECOMPOSE}${TABLE_OFFSETS}  var acc = 0.0f;
  for (var ty = 0; ty < count_y; ty++) {
    let r = start_y + ty;
    var row = 0.0f;
    for (var tx = 0; tx < count_x; tx++) {
      let c = start_x + tx;
      row = row + ${PIXEL} * wts[wx + u32(tx)];
    }
    acc = acc + row * wts[wy + u32(ty)];
  }
  return acc;
}`;
}

export function resizeProgram(x: TensorInfo, attrs: AttrsOf<"resize">, out: TensorInfo): ProgramInfo {
  const { h, w, inner } = imageDims(x.shape, attrs.layout);
  const [oh, ow] = attrs.size;
  const base: ProgramUniform[] = [
    { name: "h", type: "u32", data: h },
    { name: "w", type: "u32", data: w },
    { name: "inner", type: "u32", data: inner },
    { name: "oh", type: "u32", data: oh },
    { name: "ow", type: "u32", data: ow },
  ];
  if (attrs.mode === "nearest") {
    const rows = nearestIndex(h, oh, attrs.coordinateTransformationMode, attrs.nearestMode);
    const cols = nearestIndex(w, ow, attrs.coordinateTransformationMode, attrs.nearestMode);
    const tab = new Int32Array(oh + ow);
    tab.set(rows, 0);
    tab.set(cols, oh);
    return perElementProgram({
      name: "resize",
      cacheHint: "nearest",
      inputs: [x],
      output: out,
      uniforms: base,
      constants: [{ name: "tab", type: "i32", data: tab }],
      functions: nearestFunctions(x.dtype),
    });
  }
  const opts = { coordinateTransformationMode: attrs.coordinateTransformationMode, antialias: attrs.antialias };
  const wy = axisWeights(h, oh, opts), wx = axisWeights(w, ow, opts);
  const { ints, floats } = linearTables(wy, wx);
  return perElementProgram({
    name: "resize",
    cacheHint: attrs.antialias ? "antialias" : "linear",
    inputs: [x],
    output: out,
    rankIndependent: true,
    uniforms: [...base, { name: "taps_y", type: "u32", data: wy.maxTaps }, { name: "taps_x", type: "u32", data: wx.maxTaps }],
    constants: [
      { name: "tab", type: "i32", data: ints },
      { name: "wts", type: "f32", data: floats },
    ],
    functions: attrs.antialias ? antialiasFunctions(x.dtype) : bilinearFunctions(x.dtype),
  });
}

export const resizeWebGpu: Kernel = gpuKernel("resize", ([x], attrs, [out]) => resizeProgram(x!, attrs, out!));
