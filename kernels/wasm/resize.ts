/** Resize on wasm: nearest, ORT's bilinear and ORT's antialias filter, bit-exact with the js reference. */

import { spatialAxes, type AttrsOf } from "../op-specs.js";
import { cpuKernel, type Kernel } from "../registry.js";
import { bytesPerElement, type Tensor, type TensorInfo } from "../tensor.js";
import { linearTable, nearestTable } from "./resize-tables.js";
import { wasmCall } from "./wasm-call.js";
import type { WasmTensor } from "./wasm-tensor.js";

/** Both layouts as [planes, H, W, C]: hwc has planes = N; chw has planes = N*C and C = 1. */
function imageView(shape: readonly number[], layout: "hwc" | "chw"): { planes: number; h: number; w: number; c: number } {
  const ax = spatialAxes(shape.length, layout);
  const n = shape.length === 4 ? shape[0]! : 1;
  const c = shape[ax.c]!;
  const h = shape[ax.h]!, w = shape[ax.w]!;
  return layout === "hwc" ? { planes: n, h, w, c } : { planes: n * c, h, w, c: 1 };
}

// Scratch images get slack: the passes read a little past the last pixel (values times 0).
const SLACK = 64;

function resize(x: Tensor, attrs: AttrsOf<"resize">, info: TensorInfo): WasmTensor {
  const { planes, h, w, c } = imageView(x.shape, attrs.layout);
  const [oh, ow] = attrs.size;
  const u8 = x.dtype === "u8";
  return wasmCall((call) => {
    const [src] = call.inputs([x]);
    const out = call.output({ dtype: x.dtype, shape: info.shape });
    if (out.size === 0) return out;
    const ctm = attrs.coordinateTransformationMode;
    const fn = call.fn;
    if (attrs.mode === "nearest") {
      const rows = nearestTable(call.wasm, h, oh, ctm, attrs.nearestMode);
      const cols = nearestTable(call.wasm, w, ow, ctm, attrs.nearestMode);
      fn.resize_nearest!(src!, out.ptr, planes, h, w, c * bytesPerElement(x.dtype), oh, ow, rows, cols);
      return out;
    }
    const yt = linearTable(call.wasm, h, oh, ctm, attrs.antialias);
    const xt = linearTable(call.wasm, w, ow, ctm, attrs.antialias);
    if (attrs.antialias) {
      const tmp = call.temp(planes * h * ow * c * bytesPerElement(x.dtype) + SLACK);
      fn[u8 ? "resize_aa_u8" : "resize_aa_f32"]!(src!, out.ptr, tmp, planes, h, w, c, oh, ow, yt, xt);
    } else if (u8) {
      const tmp = call.temp(w * c * 4 + SLACK);
      fn.resize_linear_u8!(src!, out.ptr, tmp, planes, h, w, c, oh, ow, yt, xt);
    } else {
      fn.resize_linear_f32!(src!, out.ptr, planes, h, w, c, oh, ow, yt, xt);
    }
    return out;
  });
}

export const resizeWasm: Kernel = cpuKernel("resize", "wasm", ([x], attrs, [out]) => [resize(x!, attrs, out!)]);
