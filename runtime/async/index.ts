/** The async invocation model: one engine for UDFs, fetch, inference and service calls. */

export {
  DEFAULT_ASYNC_CONFIG,
  resolveAsyncConfig,
  type AsyncConfig,
  type AsyncConfigInput,
  type BackoffConfig,
  type BatchConfig,
  type OnError,
  type RetryConfig,
} from "./async-config.js";
export {
  AsyncContractError,
  AsyncInvokeError,
  AsyncStateError,
  AsyncTimeoutError,
  InvokerClosedError,
  describeError,
  isRetriable,
} from "./async-errors.js";
export { AsyncInvoker, type AsyncInvokerOptions, type InvokerState } from "./async-invoker.js";
export type { AsyncMetricsSnapshot, Distribution } from "./async-metrics.js";
export {
  ItemFailure,
  failItem,
  type AsyncItem,
  type AsyncResult,
  type Codec,
  type InvokeContext,
  type InvokeFn,
  type PendingRequest,
} from "./async-types.js";
export { arrowBatchFn, arrowRowCodec, arrowRowItems, contiguousSlices, rowByteSizes, type ArrowRow, type ArrowRowItemsOptions } from "./arrow-rows.js";
export { backoffDelay, type RandomSource } from "./backoff.js";
export { systemClock, type Clock, type TimerHandle } from "./clock.js";
export { parsePendingRequests } from "./pending-requests.js";
