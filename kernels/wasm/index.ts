// Placeholder until the wasm backend lands; its owner replaces this file.
import type { Kernel } from "../registry.js";
export const wasmKernels: readonly Kernel[] = [];
