/**
 * Reference Resize over the two spatial axes, matching onnxruntime's CPU Resize (opset 18+):
 * - nearest: one gather per output through `nearestIndex` tables;
 * - linear: ORT's bilinear, a 4-tap gather with coefficient `wx * wy` (f32), or its Q10 integer
 *   form truncated for u8;
 * - linear + antialias: ORT's separable filter, along W then along H; u8 rounds half up and
 *   saturates after each pass, as ORT stores its intermediate image as u8.
 * The sampling tables come from resize-weights.ts, shared with the other backends.
 */

import type { ImageLayout, ResizeAttrs } from "../op-attrs.js";
import { checkOp, spatialAxes, type AttrsOf } from "../op-specs.js";
import { cpuKernel, type Kernel } from "../registry.js";
import { allocData, type Tensor, type TensorData } from "../tensor.js";
import { axisWeights, nearestIndex, type AxisWeights } from "./resize-weights.js";

const f32 = Math.fround;

/**
 * Both layouts seen as [planes, H, W, inner]: `hwc` has planes = N and inner = C; `chw` has
 * planes = N*C and inner = 1. Element (p, h, w, k) sits at ((p*H + h)*W + w)*inner + k.
 */
interface ImageView {
  planes: number;
  h: number;
  w: number;
  inner: number;
}

function imageView(shape: readonly number[], layout: ImageLayout): ImageView {
  const ax = spatialAxes(shape.length, layout);
  const n = shape.length === 4 ? shape[0]! : 1;
  const c = shape[ax.c]!;
  return layout === "hwc"
    ? { planes: n, h: shape[ax.h]!, w: shape[ax.w]!, inner: c }
    : { planes: n * c, h: shape[ax.h]!, w: shape[ax.w]!, inner: 1 };
}

function resizeNearest(x: TensorData, out: TensorData, v: ImageView, oh: number, ow: number, attrs: AttrsOf<"resize">): void {
  const rows = nearestIndex(v.h, oh, attrs.coordinateTransformationMode, attrs.nearestMode);
  const cols = nearestIndex(v.w, ow, attrs.coordinateTransformationMode, attrs.nearestMode);
  const K = v.inner;
  let o = 0;
  for (let p = 0; p < v.planes; p++) {
    for (let y = 0; y < oh; y++) {
      const rowBase = (p * v.h + rows[y]!) * v.w;
      for (let xo = 0; xo < ow; xo++) {
        const src = (rowBase + cols[xo]!) * K;
        for (let k = 0; k < K; k++) out[o++] = x[src + k]!;
      }
    }
  }
}

/** ORT's UpsampleBilinear: Σ (wx*wy)·x over the 2×2 neighbourhood, y taps outer, x taps inner. */
function resizeBilinear(x: TensorData, out: TensorData, v: ImageView, wy: AxisWeights, wx: AxisWeights, u8: boolean): void {
  const K = v.inner, oh = wy.outLen, ow = wx.outLen;
  let o = 0;
  for (let p = 0; p < v.planes; p++) {
    for (let y = 0; y < oh; y++) {
      for (let xo = 0; xo < ow; xo++) {
        for (let k = 0; k < K; k++) {
          let acc = 0;
          for (let ty = 0; ty < wy.count[y]!; ty++) {
            const row = (p * v.h + wy.start[y]! + ty) * v.w;
            for (let tx = 0; tx < wx.count[xo]!; tx++) {
              const xv = x[(row + wx.start[xo]! + tx) * K + k]!;
              if (u8) acc += wx.fixed[2 * xo + tx]! * wy.fixed[2 * y + ty]! * xv;
              else acc = f32(acc + f32(f32(wx.weights[2 * xo + tx]! * wy.weights[2 * y + ty]!) * xv));
            }
          }
          // Q10 × Q10 = Q20; ORT divides by 2^20 in integers, i.e. truncates.
          out[o++] = u8 ? Math.floor(acc / (1 << 20)) : acc;
        }
      }
    }
  }
}

/**
 * One antialias pass along the axis of extent `len` with stride `stride` (in elements) inside
 * blocks of `len * stride`; `outer` blocks. Reads `src`, writes `dst` with the axis resized.
 */
function filterPass(src: TensorData, dst: TensorData, outer: number, stride: number, wt: AxisWeights, u8: boolean): void {
  const { inLen, outLen, maxTaps } = wt;
  for (let b = 0; b < outer; b++) {
    const sBase = b * inLen * stride, dBase = b * outLen * stride;
    for (let i = 0; i < outLen; i++) {
      const first = sBase + wt.start[i]! * stride, n = wt.count[i]!, wBase = i * maxTaps;
      for (let s = 0; s < stride; s++) {
        if (u8) {
          let acc = 1 << 21; // half of 2^22: round half up
          for (let t = 0; t < n; t++) acc += wt.fixed[wBase + t]! * src[first + t * stride + s]!;
          dst[dBase + i * stride + s] = Math.min(Math.max(Math.floor(acc / (1 << 22)), 0), 255);
        } else {
          let acc = 0;
          for (let t = 0; t < n; t++) acc = f32(acc + f32(src[first + t * stride + s]! * wt.weights[wBase + t]!));
          dst[dBase + i * stride + s] = acc;
        }
      }
    }
  }
}

/** ORT's UpsampleBaseAntiAlias: W pass into an [H, OW] image, then H pass. */
function resizeAntialias(x: TensorData, out: TensorData, v: ImageView, wy: AxisWeights, wx: AxisWeights, u8: boolean): void {
  const K = v.inner, ow = wx.outLen;
  const tmp: TensorData = u8 ? new Uint8Array(v.planes * v.h * ow * K) : new Float32Array(v.planes * v.h * ow * K);
  filterPass(x, tmp, v.planes * v.h, K, wx, u8);
  filterPass(tmp, out, v.planes, ow * K, wy, u8);
}

/** Runs Resize on a validated input with resolved attributes. */
function run(x: Tensor, attrs: AttrsOf<"resize">, outShape: readonly number[]): Tensor {
  const v = imageView(x.shape, attrs.layout);
  const [oh, ow] = attrs.size;
  const out = allocData(x.dtype, v.planes * oh * ow * v.inner);
  if (attrs.mode === "nearest") resizeNearest(x.data, out, v, oh, ow, attrs);
  else {
    const opts = { coordinateTransformationMode: attrs.coordinateTransformationMode, antialias: attrs.antialias };
    const wy = axisWeights(v.h, oh, opts), wx = axisWeights(v.w, ow, opts);
    const u8 = x.dtype === "u8";
    if (attrs.antialias) resizeAntialias(x.data, out, v, wy, wx, u8);
    else resizeBilinear(x.data, out, v, wy, wx, u8);
  }
  return { dtype: x.dtype, shape: [...outShape], data: out } as Tensor;
}

/**
 * Resizes a rank-3/4 image tensor (`hwc` or `chw`, f32 or u8) to `attrs.size`, with ONNX Resize
 * semantics as onnxruntime implements them. Validates and fills defaults like every kernel call.
 */
export function resize<T extends Tensor>(x: T, attrs: ResizeAttrs): T {
  const checked = checkOp("resize", [x], attrs);
  return run(x, checked.attrs, checked.outputs[0]!.shape) as T;
}

export const resizeJs: Kernel = cpuKernel("resize", "js", ([x], attrs, [out]) => [run(x!, attrs, out!.shape)]);
