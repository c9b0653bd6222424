/** Matmul and cosine similarity on wasm (f32, register-blocked SIMD). */

import { cpuKernel, type Kernel } from "../registry.js";
import type { Tensor, TensorInfo } from "../tensor.js";
import { wasmCall } from "./wasm-call.js";
import type { WasmTensor } from "./wasm-tensor.js";

function matmul(a: Tensor, b: Tensor, info: TensorInfo): WasmTensor {
  return wasmCall((call) => {
    const [pa, pb] = call.inputs([a, b]);
    const out = call.output({ dtype: "f32", shape: info.shape });
    if (out.size > 0) call.fn.matmul_f32!(pa!, pb!, out.ptr, a.shape[0]!, a.shape[1]!, b.shape[1]!);
    return out;
  });
}

function cosineSimilarity(a: Tensor, b: Tensor, info: TensorInfo): WasmTensor {
  return wasmCall((call) => {
    const [pa, pb] = call.inputs([a, b]);
    const out = call.output({ dtype: "f32", shape: info.shape });
    const m = a.shape[0]!, n = b.shape[0]!;
    if (out.size > 0) call.fn.cosine_f32!(pa!, pb!, out.ptr, m, n, a.shape[1]!, call.temp((m + n) * 4));
    return out;
  });
}

export const matmulWasm: Kernel[] = [
  cpuKernel("matmul", "wasm", ([a, b], _attrs, [out]) => [matmul(a!, b!, out!)]),
  cpuKernel("cosineSimilarity", "wasm", ([a, b], _attrs, [out]) => [cosineSimilarity(a!, b!, out!)]),
];
