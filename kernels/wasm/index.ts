/**
 * The `wasm` backend: AssemblyScript SIMD kernels (wasm/assembly) behind the CPU kernel
 * interface. Inputs that live in wasm memory (WasmTensor) are used in place, others are copied
 * in; outputs are WasmTensors. `loadWasm()` (wasm/loader) must have completed before a kernel runs.
 */

import type { Kernel } from "../registry.js";
import { centerCropWasm } from "./center-crop.js";
import { elementwiseChainWasm } from "./elementwise-chain.js";
import { elementwiseWasm } from "./elementwise.js";
import { matmulWasm } from "./matmul.js";
import { normalizeWasm } from "./normalize.js";
import { reductionsWasm } from "./reductions.js";
import { resizeWasm } from "./resize.js";

export { WasmTensor } from "./wasm-tensor.js";
export { residentPtr } from "./wasm-call.js";

export const wasmKernels: readonly Kernel[] = [
  ...elementwiseWasm,
  elementwiseChainWasm,
  normalizeWasm,
  resizeWasm,
  centerCropWasm,
  ...reductionsWasm,
  ...matmulWasm,
];
