/**
 * Shared plumbing for the Resize conformance tests: random image shapes, layout transposes, and
 * onnxruntime's Resize run over sizes (all axes) or over `axes` = the two spatial ones.
 */

import { resize } from "../../../kernels/js/resize.js";
import type { CoordinateTransformationMode, ImageLayout, NearestMode, ResizeAttrs } from "../../../kernels/op-attrs.js";
import { spatialAxes } from "../../../kernels/op-specs.js";
import { registerAllKernels } from "../../../kernels/register-all-kernels.js";
import { hasKernel, runCpu } from "../../../kernels/registry.js";
import type { Tensor } from "../../../kernels/tensor.js";
import { int64, runOnnxOp, type OnnxAttr } from "../../helpers/onnx-model.js";

export const CTMS: readonly CoordinateTransformationMode[] = ["half_pixel", "pytorch_half_pixel", "align_corners", "asymmetric"];
export const NEAREST_MODES: readonly NearestMode[] = ["round_prefer_floor", "round_prefer_ceil", "floor", "ceil"];

/** The JS reference through the registry once it is registered there, else directly. */
export function jsResize(x: Tensor, attrs: ResizeAttrs): Tensor {
  registerAllKernels();
  return hasKernel("resize", "js") ? runCpu("resize", "js", [x], attrs)[0]! : resize(x, attrs);
}

export type Scaling = "up" | "down" | "mixed";

/** Input and output extents of one spatial axis for a scaling direction; 1 appears now and then. */
export function extents(scaling: Scaling, axis: 0 | 1, rand: () => number): [number, number] {
  const pick = (lo: number, hi: number): number => lo + Math.floor(rand() * (hi - lo + 1));
  const dir = scaling === "mixed" ? (axis === 0 ? "up" : "down") : scaling;
  if (dir === "up") {
    const i = pick(1, 9);
    return [i, pick(i + 1, 3 * i + 4)];
  }
  const i = pick(2, 24);
  return [i, pick(1, i - 1)];
}

export interface ResizeCase {
  x: Tensor;
  size: [number, number];
}

/** A random image of `rank` in `layout` with the spatial extents of `scaling`; 1–4 channels. */
export function randomCase(
  scaling: Scaling,
  layout: ImageLayout,
  rank: 3 | 4,
  randomData: (shape: number[]) => Tensor,
  rand: () => number,
): ResizeCase {
  const [h, oh] = extents(scaling, 0, rand);
  const [w, ow] = extents(scaling, 1, rand);
  const c = 1 + Math.floor(rand() * 4);
  const n = 1 + Math.floor(rand() * 2);
  const spatial = layout === "hwc" ? [h, w, c] : [c, h, w];
  return { x: randomData(rank === 4 ? [n, ...spatial] : spatial), size: [oh, ow] };
}

/** The output shape a resize of `x` to `size` has. */
export function outShape(x: Tensor, size: readonly [number, number], layout: ImageLayout): number[] {
  const ax = spatialAxes(x.shape.length, layout);
  const s = [...x.shape];
  s[ax.h] = size[0];
  s[ax.w] = size[1];
  return s;
}

/** Converts a rank-4 image between NHWC and NCHW. */
export function transposeImage(x: Tensor, from: ImageLayout): Tensor {
  const [n, a, b, c] = x.shape as [number, number, number, number];
  const out = x.dtype === "u8" ? new Uint8Array(x.data.length) : new Float32Array(x.data.length);
  // from hwc: [n,h,w,c] → [n,c,h,w]; from chw: [n,c,h,w] → [n,h,w,c]
  const shape = from === "hwc" ? [n, c, a, b] : [n, b, c, a];
  for (let i = 0; i < n; i++) {
    for (let p = 0; p < a; p++) {
      for (let q = 0; q < b; q++) {
        for (let r = 0; r < c; r++) {
          const src = ((i * a + p) * b + q) * c + r;
          const dst = from === "hwc" ? ((i * c + r) * a + p) * b + q : ((i * b + q) * c + r) * a + p;
          out[dst] = x.data[src]!;
        }
      }
    }
  }
  return { dtype: x.dtype, shape, data: out } as Tensor;
}

/** Adds a leading batch axis of 1. */
export function unsqueeze0(x: Tensor): Tensor {
  return { ...x, shape: [1, ...x.shape] } as Tensor;
}

/** Drops a leading batch axis of 1. */
export function squeeze0(x: Tensor): Tensor {
  return { ...x, shape: x.shape.slice(1) } as Tensor;
}

/** ONNX Resize attributes for a sluice ResizeAttrs (without size). */
export function onnxResizeAttrs(a: ResizeAttrs): Record<string, OnnxAttr> {
  const attrs: Record<string, OnnxAttr> = {
    mode: a.mode ?? "linear",
    coordinate_transformation_mode: a.coordinateTransformationMode ?? "half_pixel",
  };
  if ((a.mode ?? "linear") === "nearest") attrs.nearest_mode = a.nearestMode ?? "round_prefer_floor";
  if (a.antialias) attrs.antialias = 1;
  return attrs;
}

/**
 * onnxruntime's Resize of `x` (laid out as `layout`) to `size`: with `useAxes`, sizes cover only
 * the two spatial axes through the opset-18 `axes` attribute; otherwise sizes cover every axis.
 */
export async function ortResize(x: Tensor, a: ResizeAttrs, layout: ImageLayout, useAxes: boolean): Promise<Tensor> {
  const ax = spatialAxes(x.shape.length, layout);
  const attrs = onnxResizeAttrs(a);
  let sizes: number[];
  if (useAxes) {
    attrs.axes = [ax.h, ax.w];
    sizes = [a.size[0], a.size[1]];
  } else sizes = outShape(x, a.size, layout);
  const [y] = await runOnnxOp("Resize", [x, null, null, { constant: int64(sizes) }], attrs);
  return y!;
}
