/** The `webgpu` backend's catalog: one WGSL program builder per op in op-attrs.ts. */

import type { Kernel } from "../registry.js";
import { argmaxWebGpu, topkWebGpu } from "./arg-reduce.js";
import { centerCropWebGpu } from "./center-crop.js";
import { elementwiseChainWebGpu } from "./elementwise-chain.js";
import { elementwiseWebGpu } from "./elementwise.js";
import { cosineSimilarityWebGpu, matmulWebGpu } from "./matmul.js";
import { normalizeWebGpu } from "./normalize.js";
import { resizeWebGpu } from "./resize.js";
import { lpNormalizeWebGpu, softmaxWebGpu } from "./softmax.js";

export const webgpuKernels: readonly Kernel[] = [
  ...elementwiseWebGpu,
  elementwiseChainWebGpu,
  normalizeWebGpu,
  resizeWebGpu,
  centerCropWebGpu,
  softmaxWebGpu,
  lpNormalizeWebGpu,
  argmaxWebGpu,
  topkWebGpu,
  matmulWebGpu,
  cosineSimilarityWebGpu,
];
