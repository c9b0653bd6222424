/**
 * The one list of built-in ops (like `kernels/register-all-kernels.ts`): what a spec file or a
 * DataFrame can use is exactly what is registered here.
 */

import { registerOp } from "./op-catalog.js";
import type { OpDefinition } from "./op-definition.js";
import { ASYNC_OPS } from "./ops/async-ops.js";
import { IMAGE_OPS } from "./ops/image-ops.js";
import { MODEL_OPS } from "./ops/model-ops.js";
import { SINK_OPS, SOURCE_OPS } from "./ops/io-ops.js";
import { RELATIONAL_OPS } from "./ops/relational-ops.js";
import { TENSOR_OPS } from "./ops/tensor-ops.js";
import { TEXT_OPS } from "./ops/text-ops.js";

const ALL: readonly (readonly OpDefinition[])[] = [SOURCE_OPS, SINK_OPS, RELATIONAL_OPS, IMAGE_OPS, TENSOR_OPS, TEXT_OPS, ASYNC_OPS, MODEL_OPS];

let done = false;

/** Registers every built-in op once. */
export function registerAllOps(): void {
  if (done) return;
  done = true;
  for (const group of ALL) for (const def of group) registerOp(def);
}
