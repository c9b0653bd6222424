// Placeholder until the webgpu backend lands; its owner replaces this file.
import type { Kernel } from "../registry.js";
export const webgpuKernels: readonly Kernel[] = [];
