/**
 * Per-axis sampling tables for Resize, computed the way onnxruntime's CPU Resize (opset 18+)
 * computes them: float32 arithmetic for scales and coordinates, its clamping, and its fixed-point
 * coefficients for uint8. Every backend (js, wasm, webgpu) builds its tables here, so all of them
 * sample the same input positions with the same coefficients.
 *
 * Source of the arithmetic: onnxruntime/core/providers/cpu/tensor/upsamplebase.h (coordinate
 * transforms, nearest rounding), upsample.cc (SetupUpsampleBilinear and its integer variant) and
 * upsample_antialias.h (SetupUpsampleFilterAntiAlias, exclude_outside = 0).
 */

import type { CoordinateTransformationMode, NearestMode } from "../op-attrs.js";

const f32 = Math.fround;

/** ORT's scale for an axis resized to a given size: float(out) / float(in), in float32. */
export function resizeScale(inLen: number, outLen: number): number {
  return f32(outLen / inLen);
}

/**
 * The input coordinate of output index `x` (ONNX coordinate_transformation_mode), in float32 as
 * onnxruntime evaluates it. Not clamped.
 */
export function originalCoordinate(x: number, scale: number, inLen: number, outLen: number, mode: CoordinateTransformationMode): number {
  switch (mode) {
    case "asymmetric":
      return f32(x / scale);
    case "align_corners":
      return outLen === 1 ? 0 : f32(f32(x * (inLen - 1)) / (outLen - 1));
    case "pytorch_half_pixel":
      if (outLen <= 1) return 0;
      return f32(f32(f32(x + 0.5) / scale) - 0.5);
    case "half_pixel":
      return f32(f32(f32(x + 0.5) / scale) - 0.5);
  }
}

/** C's std::round: halves go away from zero (JS Math.round sends -0.5 up to -0). */
function roundHalfAway(v: number): number {
  return v < 0 ? -Math.floor(-v + 0.5) : Math.floor(v + 0.5);
}

/** How far from .5 a float32 coordinate may land and still count as a tie (ORT ≥ 1.30, CPU). */
export const NEAREST_TIE_EPSILON = f32(1e-6);

/**
 * The input index chosen for a coordinate by an ONNX nearest_mode, before clamping. The round
 * modes treat a coordinate within {@link NEAREST_TIE_EPSILON} of a half as a tie, as onnxruntime
 * 1.30's CPU Resize does: float32 coordinates of exact ties (e.g. 4.5 · 20/6 - 0.5 = 14.5) come
 * out as 14.499999 and would otherwise round the wrong way.
 */
export function nearestPixel(v: number, mode: NearestMode): number {
  switch (mode) {
    case "floor":
      return Math.floor(v);
    case "ceil":
      return Math.ceil(v);
    case "round_prefer_ceil":
      return isTie(v) ? Math.ceil(v) : roundHalfAway(v);
    case "round_prefer_floor":
      return isTie(v) ? Math.floor(v) : roundHalfAway(v);
  }
}

function isTie(v: number): boolean {
  return Math.abs(f32(v - Math.floor(v)) - 0.5) <= NEAREST_TIE_EPSILON;
}

/**
 * For `mode: nearest`: the input index read by each output index along one axis, clamped to
 * [0, inLen-1]. An axis whose size does not change maps to itself whatever the modes say, as in ORT.
 */
export function nearestIndex(inLen: number, outLen: number, ctm: CoordinateTransformationMode, nearestMode: NearestMode): Int32Array {
  const idx = new Int32Array(outLen);
  const scale = resizeScale(inLen, outLen);
  for (let i = 0; i < outLen; i++) {
    const j = scale === 1 ? i : nearestPixel(originalCoordinate(i, scale, inLen, outLen, ctm), nearestMode);
    idx[i] = Math.min(Math.max(j, 0), inLen - 1);
  }
  return idx;
}

/**
 * Linear sampling along one axis: output `i` is `Σ_t weights[i*maxTaps + t] * x[start[i] + t]`
 * for `t < count[i]`. Slots at `t >= count[i]` hold 0 and must not be read (their index may lie
 * past the end of the axis).
 *
 * For u8 data the integer coefficients in `fixed` apply instead of `weights`, as ORT does:
 * - plain linear (`fixedBits` 10): a 2-D output is `floor(Σ_i Σ_j fy_i * fx_j * x_ij / 2^20)`;
 *   exact in int32, and separable if the W pass keeps its Q10 sums unrounded.
 * - antialias (`fixedBits` 22): each pass (W first, then H) stores
 *   `clamp(floor((Σ_t f_t * x_t + 2^21) / 2^22), 0, 255)` as u8, i.e. rounds half up per pass.
 */
export interface AxisWeights {
  readonly inLen: number;
  readonly outLen: number;
  /** Row stride of `weights` and `fixed`: 2 for plain linear, the filter window for antialias. */
  readonly maxTaps: number;
  /** First input index each output reads. */
  readonly start: Int32Array;
  /** Number of taps each output reads (at least 1). */
  readonly count: Int32Array;
  /** float32 coefficients, outLen × maxTaps. */
  readonly weights: Float32Array;
  /** Fixed-point coefficients for u8, outLen × maxTaps, scaled by 2^fixedBits. */
  readonly fixed: Int32Array;
  /** 10 for plain linear (ORT's integer bilinear), 22 for antialias (ORT's Pillow-style filter). */
  readonly fixedBits: 10 | 22;
}

export interface AxisWeightOptions {
  coordinateTransformationMode: CoordinateTransformationMode;
  /** Use the widened triangle filter (ORT's antialias path, for any scale). */
  antialias: boolean;
}

/** Sampling table for `mode: linear` along one axis; see {@link AxisWeights}. Pure. */
export function axisWeights(inLen: number, outLen: number, opts: AxisWeightOptions): AxisWeights {
  return opts.antialias ? antialiasWeights(inLen, outLen, opts.coordinateTransformationMode) : bilinearWeights(inLen, outLen, opts.coordinateTransformationMode);
}

/** ORT's SetupUpsampleBilinear (float) and SetupUpsampleBilinearInteger (Q10), for one axis. */
function bilinearWeights(inLen: number, outLen: number, ctm: CoordinateTransformationMode): AxisWeights {
  const start = new Int32Array(outLen), count = new Int32Array(outLen);
  const weights = new Float32Array(outLen * 2), fixed = new Int32Array(outLen * 2);
  const scale = resizeScale(inLen, outLen);
  for (let i = 0; i < outLen; i++) {
    let v = scale === 1 ? i : originalCoordinate(i, scale, inLen, outLen, ctm);
    v = Math.max(0, Math.min(v, inLen - 1));
    const x1 = Math.min(Math.trunc(v), inLen - 1);
    const x2 = Math.min(x1 + 1, inLen - 1);
    start[i] = x1;
    if (x1 === x2) {
      // ORT weighs the same pixel twice by 0.5 (512 in Q10); one tap of 1 gives identical sums.
      count[i] = 1;
      weights[2 * i] = 1;
      fixed[2 * i] = 1 << 10;
      continue;
    }
    count[i] = 2;
    weights[2 * i] = f32(Math.abs(v - x2));
    weights[2 * i + 1] = f32(Math.abs(v - x1));
    const q = Math.trunc(f32(v * 1024));
    fixed[2 * i] = Math.abs(q - x2 * 1024);
    fixed[2 * i + 1] = Math.abs(q - x1 * 1024);
  }
  return { inLen, outLen, maxTaps: 2, start, count, weights, fixed, fixedBits: 10 };
}

/** Pillow's bilinear (triangle) filter. */
function triangle(x: number): number {
  const a = Math.abs(x);
  return a < 1 ? f32(1 - a) : 0;
}

/**
 * ORT's antialias filter setup (compute_weight_coefficients with exclude_outside = 0): a triangle
 * widened by 1/scale when downscaling, taps outside the image folded onto the edge pixels, weights
 * normalized to sum 1; the u8 table is those weights rounded to Q22.
 */
function antialiasWeights(inLen: number, outLen: number, ctm: CoordinateTransformationMode): AxisWeights {
  const rscale = resizeScale(inLen, outLen);
  const scale = f32(1 / rscale);
  const support = scale >= 1 ? scale : 1; // (support_size 2 * 0.5) * scale
  const window = Math.ceil(support) * 2 + 1;
  const invScale = scale >= 1 ? f32(1 / scale) : 1;
  const start = new Int32Array(outLen), count = new Int32Array(outLen);
  const weights = new Float32Array(outLen * window), fixed = new Int32Array(outLen * window);
  const buf = new Float32Array(window);
  for (let i = 0; i < outLen; i++) {
    const center = f32(0.5 + (scale === 1 ? i : originalCoordinate(i, rscale, inLen, outLen, ctm)));
    const xmin = Math.floor(f32(f32(center - support) + 0.5));
    let xmax = Math.floor(f32(f32(center + support) + 0.5));
    xmax = xmin + Math.min(Math.max(xmax - xmin, 0), window);
    const cutMin = Math.min(Math.max(xmin, 0), inLen);
    const cutMax = Math.min(Math.max(xmax, 0), inLen);
    const n = xmax - xmin;
    buf.fill(0);
    let total = 0;
    for (let t = 0; t < n; t++) {
      const w = triangle(f32(f32(f32(f32(t + xmin) - center) + 0.5) * invScale));
      buf[t] = w;
      total = f32(total + w);
    }
    if (cutMin < cutMax) {
      // Taps left of 0 and right of inLen-1 add their weight to the edge pixel (edge replication).
      const neg = Math.min(Math.max(-xmin, 0), n - 1);
      for (let t = 0; t < neg; t++) buf[neg] = f32(buf[neg]! + buf[t]!);
      const past = Math.min(Math.max(n + xmin - inLen, 0), n - 1);
      for (let t = n - past; t < n; t++) buf[n - past - 1] = f32(buf[n - past - 1]! + buf[t]!);
      if (neg > 0 || past > 0) for (let t = 0; t < cutMax - cutMin; t++) buf[t] = buf[t + neg]!;
    }
    const inv = total === 0 ? 1 : f32(1 / total);
    start[i] = cutMin;
    count[i] = cutMax - cutMin;
    for (let t = 0; t < cutMax - cutMin; t++) {
      const w = f32(buf[t]! * inv);
      weights[i * window + t] = w;
      fixed[i * window + t] = roundHalfAway(w * (1 << 22));
    }
  }
  return { inLen, outLen, maxTaps: window, start, count, weights, fixed, fixedBits: 22 };
}
