/**
 * The ops on the async invocation model (and the plain batch function beside them): fetch and
 * udf run their rows through an `AsyncRowOperator`; mapBatches is a whole-batch map.
 */

import type { OpDefinition } from "../op-definition.js";
import { fetchOp } from "./fetch-op.js";
import { mapBatchesOp } from "./map-batches-op.js";
import { udfOp } from "./udf-op.js";

export { fetchOp, type FetchArgs } from "./fetch-op.js";
export { mapBatchesOp, type MapBatchesArgs, type MapBatchesFunction } from "./map-batches-op.js";
export { udfOp, type UdfArgs, type UdfFunction, type UdfRow } from "./udf-op.js";

export const ASYNC_OPS: readonly OpDefinition[] = [fetchOp, udfOp, mapBatchesOp];
