/** Model ops: inference on the async invocation model. */

import type { OpDefinition } from "../op-definition.js";
import { inferOp } from "./infer-op.js";

export { inferOp, INFER_DEFAULT_MAX_ROWS, type InferArgs } from "./infer-op.js";

export const MODEL_OPS: readonly OpDefinition[] = [inferOp];
