/** Reference center crop (ONNX CenterCropPad restricted to cropping). */

import { spatialAxes, type AttrsOf } from "../op-specs.js";
import { cpuKernel, type Kernel } from "../registry.js";
import { allocData, sizeOf, stridesOf, type Tensor, type TensorInfo } from "../tensor.js";

/** Top-left corner of the crop window: floor((in - out) / 2) on each spatial axis. */
export function cropOffsets(x: TensorInfo, attrs: AttrsOf<"centerCrop">): { top: number; left: number } {
  const ax = spatialAxes(x.shape.length, attrs.layout);
  return {
    top: Math.floor((x.shape[ax.h]! - attrs.size[0]) / 2),
    left: Math.floor((x.shape[ax.w]! - attrs.size[1]) / 2),
  };
}

export function centerCrop(x: Tensor, attrs: AttrsOf<"centerCrop">, out: TensorInfo): Tensor {
  const ax = spatialAxes(x.shape.length, attrs.layout);
  const { top, left } = cropOffsets(x, attrs);
  const inStrides = stridesOf(x.shape);
  const offset = top * inStrides[ax.h]! + left * inStrides[ax.w]!;
  const n = sizeOf(out.shape);
  const data = allocData(x.dtype, n);
  const rank = out.shape.length;
  const idx = new Array<number>(rank).fill(0);
  // Odometer over the output; the input index is the same multi-index shifted by the window.
  let src = offset;
  for (let i = 0; i < n; i++) {
    data[i] = x.data[src]!;
    for (let d = rank - 1; d >= 0; d--) {
      idx[d]!++;
      src += inStrides[d]!;
      if (idx[d]! < out.shape[d]!) break;
      src -= inStrides[d]! * out.shape[d]!;
      idx[d] = 0;
    }
  }
  return { dtype: x.dtype, shape: [...out.shape], data };
}

export const centerCropJs: Kernel = cpuKernel("centerCrop", "js", ([x], attrs, [out]) => [centerCrop(x!, attrs, out!)]);
