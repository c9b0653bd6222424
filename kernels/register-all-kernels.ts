/**
 * The one explicit list of kernels: every backend's catalog is registered here and nowhere else.
 */

import { jsKernels } from "./js/index.js";
import { registerKernel } from "./registry.js";
import { wasmKernels } from "./wasm/index.js";
import { webgpuKernels } from "./webgpu/index.js";

let registered = false;

/** Registers all kernels of all backends; safe to call more than once. */
export function registerAllKernels(): void {
  if (registered) return;
  registered = true;
  for (const k of [...jsKernels, ...wasmKernels, ...webgpuKernels]) registerKernel(k);
}
