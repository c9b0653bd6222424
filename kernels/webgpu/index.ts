/** The `webgpu` backend's catalog: one WGSL program builder per op. */

import type { Kernel } from "../registry.js";
import { elementwiseWebGpu } from "./elementwise.js";

export const webgpuKernels: readonly Kernel[] = [...elementwiseWebGpu];
