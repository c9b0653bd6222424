/**
 * The one interface every inference backend sits behind (DESIGN "Scheduler and devices"):
 * onnxruntime-node, onnxruntime-web, and later remote endpoints.
 */

import type { DType, Tensor } from "../../kernels/tensor.js";

/**
 * One dimension of a model input or output: a number when fixed, the symbol's name when the model
 * names a dynamic dimension (`"N"`, `"batch"`), `null` when it is dynamic and unnamed.
 */
export type ModelDim = number | string | null;

/** A model input or output as sluice sees it. */
export interface ModelIO {
  readonly name: string;
  /**
   * The sluice dtype feeds must have (inputs) or results come back as (outputs). It differs from
   * `onnxType` where sluice converts: see `onnx-dtypes.ts` for the rules.
   */
  readonly dtype: DType;
  /** The model's own element type, in onnxruntime's names (`float32`, `int64`, `bool`, …). */
  readonly onnxType: string;
  /** Dynamic dims are kept (as their symbol, or null). An empty shape is a scalar or an unknown rank. */
  readonly shape: readonly ModelDim[];
}

/**
 * `loading → warming → ready → draining → closed`. `warming` may come back after `ready` when
 * `warmUp` is called again; `draining` and `closed` are final.
 */
export type ModelState = "loading" | "warming" | "ready" | "draining" | "closed";

export type ModelBackendName = "onnxruntime-node" | "onnxruntime-web";

/** What one warm-up call ran. */
export interface WarmUpRun {
  /** The batch size asked for. */
  readonly batchSize: number;
  /** The feed shapes actually run (a fixed batch dim keeps its size). */
  readonly shapes: Readonly<Record<string, readonly number[]>>;
  readonly ms: number;
}

export interface WarmUpOptions {
  /**
   * Sizes for dynamic dims other than the batch dim, by symbol (`{ sequence: 128 }`). Unnamed or
   * unlisted ones get 1.
   */
  dims?: Readonly<Record<string, number>>;
}

/** A loaded model. Calls are accepted only in `ready`. */
export interface ModelRuntime {
  /** The file path, or the label given for in-memory bytes. */
  readonly name: string;
  readonly backend: ModelBackendName;
  /** Intra-op threads the session computes with. */
  readonly threads: number;
  readonly inputs: readonly ModelIO[];
  readonly outputs: readonly ModelIO[];
  readonly state: ModelState;
  /** Calls started and not yet settled (warm-up runs included). */
  readonly inFlight: number;

  /**
   * Runs the model once. Feeds are mapped by input name and checked (dtype, rank, fixed dims);
   * every output comes back, converted to sluice dtypes. Rejects with `ModelStateError` outside
   * `ready`, `ModelFeedError` on bad feeds, `ModelRunError` when the runtime fails.
   */
  run(feeds: Readonly<Record<string, Tensor>>): Promise<Record<string, Tensor>>;

  /**
   * Runs inputs of each batch size once (random floats, zero integers) so the first real calls
   * do not pay for allocation and kernel selection. Moves `loading|ready → warming → ready`;
   * calls arriving meanwhile are rejected.
   */
  warmUp(batchSizes: readonly number[], opts?: WarmUpOptions): Promise<WarmUpRun[]>;

  /** Stops taking calls (they reject with `ModelStateError`) and resolves once in-flight ones settle. */
  drain(): Promise<void>;

  /** Drains, then releases the session. Idempotent. */
  close(): Promise<void>;

  /** Calls `listener` on every state change; returns the unsubscribe function. */
  onStateChange(listener: (state: ModelState) => void): () => void;
}
