/**
 * An operator whose batch work runs on the worker pool. Up to `inFlight` batches are processed
 * at once; results are emitted in input order, so downstream sees the same sequence as if the
 * work had run inline. A snapshot first finishes and emits every batch in flight, so no output
 * that belongs before a barrier is left behind it.
 */

import type { Batch } from "../api/stream.js";
import { Operator, type OperatorContext, type OperatorState } from "./operator.js";
import type { ProcessorSpec, WorkerPool } from "./worker-pool.js";

export class WorkerOperator extends Operator {
  private readonly window: Promise<Batch>[] = [];

  constructor(
    readonly step: string,
    private readonly pool: WorkerPool,
    private readonly processor: ProcessorSpec,
    /** Batches in flight; default the pool size (one per thread). */
    private readonly inFlight = pool.size,
  ) {
    super();
  }

  async processBatch(batch: Batch, ctx: OperatorContext): Promise<void> {
    const p = this.pool.run(this.processor, batch);
    // Keep rejections from being reported as unhandled while they wait their turn.
    p.catch(() => {});
    this.window.push(p);
    while (this.window.length >= Math.max(1, this.inFlight)) await ctx.emit(await this.window.shift()!);
  }

  /**
   * Failure injection (failure-injection.ts calls this for `crash`): kills one of the pool's
   * worker threads; the batch it was running, or the next one handed to it, fails with
   * "worker thread exited".
   */
  crashWorker(): void {
    this.pool.crashOne();
  }

  private async drain(ctx: OperatorContext): Promise<void> {
    while (this.window.length) await ctx.emit(await this.window.shift()!);
  }

  override async snapshot(_checkpointId: number, ctx: OperatorContext): Promise<OperatorState> {
    await this.drain(ctx);
    return undefined;
  }

  override async endOfInput(ctx: OperatorContext): Promise<void> {
    await this.drain(ctx);
  }
}
