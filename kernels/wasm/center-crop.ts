/** Center crop on wasm: row copies out of each plane. */

import { spatialAxes, type AttrsOf } from "../op-specs.js";
import { cpuKernel, type Kernel } from "../registry.js";
import { bytesPerElement, type Tensor, type TensorInfo } from "../tensor.js";
import { wasmCall } from "./wasm-call.js";
import type { WasmTensor } from "./wasm-tensor.js";

function centerCrop(x: Tensor, attrs: AttrsOf<"centerCrop">, info: TensorInfo): WasmTensor {
  const rank = x.shape.length;
  const ax = spatialAxes(rank, attrs.layout);
  const e = bytesPerElement(x.dtype);
  const h = x.shape[ax.h]!, w = x.shape[ax.w]!, c = x.shape[ax.c]!, n = rank === 4 ? x.shape[0]! : 1;
  const [oh, ow] = attrs.size;
  const top = Math.floor((h - oh) / 2), left = Math.floor((w - ow) / 2);
  // hwc: a plane is a whole image with C-element pixels; chw: a plane is one channel.
  const hwc = attrs.layout === "hwc";
  const pix = (hwc ? c : 1) * e;
  const planes = hwc ? n : n * c;
  return wasmCall((call) => {
    const [src] = call.inputs([x]);
    const out = call.output({ dtype: x.dtype, shape: info.shape });
    if (out.size === 0) return out;
    call.fn.crop_rows!(src!, out.ptr, planes, h * w * pix, w * pix, oh, ow * pix, (top * w + left) * pix);
    return out;
  });
}

export const centerCropWasm: Kernel = cpuKernel("centerCrop", "wasm", ([x], attrs, [out]) => [centerCrop(x!, attrs, out!)]);
