/** Softmax, L2 normalize, argmax and top-k along an axis, on wasm. */

import type { AttrsOf } from "../op-specs.js";
import { cpuKernel, type Kernel } from "../registry.js";
import type { Tensor, TensorInfo } from "../tensor.js";
import { wasmCall } from "./wasm-call.js";
import type { WasmTensor } from "./wasm-tensor.js";

/** The tensor as [outer, len, inner] around `axis`. */
function lanes(shape: readonly number[], axis: number): [number, number, number] {
  let outer = 1, inner = 1;
  for (let i = 0; i < axis; i++) outer *= shape[i]!;
  for (let i = axis + 1; i < shape.length; i++) inner *= shape[i]!;
  return [outer, shape[axis]!, inner];
}

function alongAxis(name: "softmax_f32" | "lpnorm_f32", x: Tensor, axis: number): WasmTensor {
  return wasmCall((call) => {
    const [src] = call.inputs([x]);
    const out = call.output({ dtype: "f32", shape: x.shape });
    if (out.size > 0) call.fn[name]!(src!, out.ptr, ...lanes(x.shape, axis));
    return out;
  });
}

function argmax(x: Tensor, attrs: AttrsOf<"argmax">, info: TensorInfo): WasmTensor {
  return wasmCall((call) => {
    const [src] = call.inputs([x]);
    const out = call.output({ dtype: "i32", shape: info.shape });
    if (out.size > 0) call.fn[`argmax_${x.dtype === "f32" ? "f32" : "i32"}`]!(src!, out.ptr, ...lanes(x.shape, attrs.axis), Number(attrs.selectLastIndex));
    return out;
  });
}

function topk(x: Tensor, attrs: AttrsOf<"topk">, infos: readonly TensorInfo[]): WasmTensor[] {
  return wasmCall((call) => {
    const [src] = call.inputs([x]);
    const values = call.output({ dtype: "f32", shape: infos[0]!.shape });
    const indices = call.output({ dtype: "i32", shape: infos[1]!.shape });
    if (values.size > 0) {
      const heap = call.temp(attrs.k * 8);
      call.fn.topk_f32!(src!, values.ptr, indices.ptr, ...lanes(x.shape, attrs.axis), attrs.k, Number(attrs.largest), heap);
    }
    return [values, indices];
  });
}

export const reductionsWasm: Kernel[] = [
  cpuKernel("softmax", "wasm", ([x], attrs) => [alongAxis("softmax_f32", x!, attrs.axis)]),
  cpuKernel("lpNormalize", "wasm", ([x], attrs) => [alongAxis("lpnorm_f32", x!, attrs.axis)]),
  cpuKernel("argmax", "wasm", ([x], attrs, [out]) => [argmax(x!, attrs, out!)]),
  cpuKernel("topk", "wasm", ([x], attrs, outs) => topk(x!, attrs, outs)),
];
