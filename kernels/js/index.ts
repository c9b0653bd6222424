/** The `js` reference backend: plain TypeScript, the oracle for every other backend. */

import type { Kernel } from "../registry.js";
import { argmaxJs, topkJs } from "./arg-reduce.js";
import { centerCropJs } from "./center-crop.js";
import { elementwiseChainJs } from "./elementwise-chain.js";
import { elementwiseJs } from "./elementwise.js";
import { cosineSimilarityJs, matmulJs } from "./matmul.js";
import { normalizeJs } from "./normalize.js";
import { resizeJs } from "./resize.js";
import { lpNormalizeJs, softmaxJs } from "./softmax.js";

export const jsKernels: readonly Kernel[] = [
  ...elementwiseJs,
  elementwiseChainJs,
  normalizeJs,
  resizeJs,
  centerCropJs,
  softmaxJs,
  lpNormalizeJs,
  argmaxJs,
  topkJs,
  matmulJs,
  cosineSimilarityJs,
];
