/**
 * The operator contract, in the manner of Arroyo's ArrowOperator: one required hook
 * (`processBatch`) and lifecycle/checkpoint hooks with defaults, so a stateless map needs no
 * code beyond its transformation and a stateful one overrides only what it keeps.
 */

import type { Schema } from "apache-arrow";
import type { DeadLetter } from "../api/dead-letter.js";
import type { Batch, Json } from "../api/stream.js";

/** Per-operator counters the executor reads for progress and the run summary. */
export interface OperatorMetrics {
  rowsIn: number;
  rowsOut: number;
  batchesIn: number;
  batchesOut: number;
  deadLettered: number;
  /** Time spent inside processBatch/endOfInput, ms. */
  busyMs: number;
  /** Per-batch processing latencies, ms (a bounded reservoir). */
  latencies: number[];
  /** `performance.now()` (ms since process start) when the first batch came in. */
  firstAt?: number;
  /** Which backend did the work (js/wasm/webgpu/onnxruntime-node…), when the operator knows. */
  backend?: string;
}

export function newMetrics(): OperatorMetrics {
  return { rowsIn: 0, rowsOut: 0, batchesIn: 0, batchesOut: 0, deadLettered: 0, busyMs: 0, latencies: [] };
}

export interface OperatorContext {
  /** The step name from the plan, for errors and dead letters. */
  readonly step: string;
  /** Sends a batch downstream; waits while downstream is full (backpressure). */
  emit(batch: Batch): Promise<void>;
  /** Records rejected by this step. */
  deadLetter(letters: readonly DeadLetter[]): Promise<void>;
  readonly metrics: OperatorMetrics;
  /** Aborted when the job is cancelled or failed. */
  readonly signal: AbortSignal;
  /**
   * With unaligned checkpoints: a promise that resolves when a barrier is waiting to get in, so
   * an operator blocked on room (a full async queue) can return and let it through, keeping what
   * it accepted as state. Undefined when barriers never interrupt (aligned, or no checkpoints).
   */
  interruptForBarrier?(): Promise<void> | undefined;
  /** Checkpoints are unaligned: a snapshot stores work in flight instead of finishing it. */
  readonly unalignedCheckpoints?: boolean;
}

/** An operator's contribution to a checkpoint; undefined for stateless operators. */
export type OperatorState = Json | undefined;

export abstract class Operator {
  /** The plan step this operator implements. */
  abstract readonly step: string;

  /** The output schema for a given input schema; called at plan time. Default: unchanged. */
  outputSchema(input: Schema): Schema {
    return input;
  }

  /** Before the first batch: load models, open files. */
  open(_ctx: OperatorContext): Promise<void> | void {}

  /** Transforms one batch, emitting zero or more batches through `ctx.emit`. */
  abstract processBatch(batch: Batch, ctx: OperatorContext): Promise<void> | void;

  /**
   * A checkpoint barrier reached this operator: return the state to store. Default: none.
   * Barriers arrive between batches; output emitted here (a drain) still belongs before it.
   */
  snapshot(_checkpointId: number, _ctx: OperatorContext): Promise<OperatorState> | OperatorState {
    return undefined;
  }

  /** The checkpoint completed everywhere (two-phase commit's second phase). */
  checkpointCompleted(_checkpointId: number): Promise<void> | void {}

  /** Restores state from a snapshot before any batch is processed. */
  restore(_state: OperatorState): Promise<void> | void {}

  /** No more input: flush buffered work (partial micro-batches, pending async calls). */
  endOfInput(_ctx: OperatorContext): Promise<void> | void {}

  /** Release resources; called once, after success, failure or cancellation. */
  close(): Promise<void> | void {}
}

/** The simplest operator: a synchronous or async batch → batch function. */
export class MapOperator extends Operator {
  constructor(
    readonly step: string,
    private readonly fn: (batch: Batch) => Batch | Promise<Batch>,
    private readonly schemaFn?: (input: Schema) => Schema,
  ) {
    super();
  }

  override outputSchema(input: Schema): Schema {
    return this.schemaFn ? this.schemaFn(input) : input;
  }

  async processBatch(batch: Batch, ctx: OperatorContext): Promise<void> {
    await ctx.emit(await this.fn(batch));
  }
}
