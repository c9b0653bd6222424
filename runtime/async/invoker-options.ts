/** What an `AsyncInvoker` is built with: the step, the function, its config and codecs. */

import type { Json } from "../api/stream.js";
import type { AsyncConfigInput } from "./async-config.js";
import type { Codec, InvokeFn } from "./async-types.js";
import type { RandomSource } from "./backoff.js";
import type { Clock } from "./clock.js";

interface InvokerOptionsBase<In, Out> {
  /** The pipeline step, for errors, dead letters and metrics. */
  step: string;
  fn: InvokeFn<In, Out>;
  /** Validated with `resolveAsyncConfig` (defaults filled); a bad one throws `PlanError`. */
  config?: AsyncConfigInput;
  clock?: Clock;
  /** Jitter source, uniform in [0, 1). */
  random?: RandomSource;
  /** With it, items that succeeded but were not yet taken keep their output across a restore. */
  outputCodec?: Codec<Out>;
  /** A small JSON excerpt of an input for its dead letter (no large binaries). */
  deadLetterInput?: (value: In) => Json | undefined;
}

/** Options; an input codec is required unless the input type is already JSON. */
export type AsyncInvokerOptions<In, Out> = InvokerOptionsBase<In, Out> &
  ([In] extends [Json] ? { inputCodec?: Codec<In> } : { inputCodec: Codec<In> });
