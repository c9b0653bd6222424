/**
 * The tensor ops of the catalog: elementwise math (fused into one kernel call when adjacent),
 * reductions and normalizations along an axis, reshaping (a view), and classification of score
 * vectors.
 */

import type { OpDefinition } from "../op-definition.js";
import { classifyOp } from "./classify-op.js";
import { ELEMENTWISE_OPS } from "./elementwise-ops.js";
import { RESHAPE_OPS } from "./reshape-op.js";
import { SCORE_OPS } from "./score-ops.js";

export const TENSOR_OPS: readonly OpDefinition[] = [...ELEMENTWISE_OPS, ...SCORE_OPS, ...RESHAPE_OPS, classifyOp];
