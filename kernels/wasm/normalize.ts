/** Per-channel normalize fused with u8→f32 and the layout change, on wasm. */

import { spatialAxes, type AttrsOf } from "../op-specs.js";
import { cpuKernel, type Kernel } from "../registry.js";
import type { Tensor, TensorInfo } from "../tensor.js";
import { wasmCall } from "./wasm-call.js";
import type { WasmTensor } from "./wasm-tensor.js";

/**
 * The kernel computes y = x * a[c] + b[c]: (x * scale - mean) / std folded in double, rounded
 * once to f32. Layout: a[c], b[c], then both tiled to 16c lanes for the hwc → hwc loop.
 */
export function normalizeCoefficients(attrs: AttrsOf<"normalize">): Float32Array {
  const c = attrs.mean.length;
  const a = attrs.std.map((s) => attrs.scale / s);
  const b = attrs.mean.map((m, i) => -m / attrs.std[i]!);
  const out = new Float32Array(2 * c + 32 * c);
  out.set(a, 0);
  out.set(b, c);
  for (let i = 0; i < 16 * c; i++) {
    out[2 * c + i] = a[i % c]!;
    out[18 * c + i] = b[i % c]!;
  }
  return out;
}

function normalize(x: Tensor, attrs: AttrsOf<"normalize">, info: TensorInfo): WasmTensor {
  const rank = x.shape.length;
  const ax = spatialAxes(rank, attrs.inputLayout);
  const batch = rank === 4 ? x.shape[0]! : 1;
  const hw = x.shape[ax.h]! * x.shape[ax.w]!;
  const c = x.shape[ax.c]!;
  return wasmCall((call) => {
    const [src] = call.inputs([x]);
    const out = call.output({ dtype: "f32", shape: info.shape });
    if (out.size === 0) return out;
    const coef = call.f32s(normalizeCoefficients(attrs));
    const fn = x.dtype === "u8" ? call.fn.normalize_u8! : call.fn.normalize_f32!;
    fn(src!, out.ptr, batch, hw, c, Number(attrs.inputLayout === "chw"), Number(attrs.outputLayout === "chw"), coef);
    return out;
  });
}

export const normalizeWasm: Kernel = cpuKernel("normalize", "wasm", ([x], attrs, [out]) => [normalize(x!, attrs, out!)]);
