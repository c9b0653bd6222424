/**
 * Parallelism for a stateless step: up to N batches are in one of N copies of the operator at
 * once, and their outputs are emitted in input order, so downstream sees exactly what one copy
 * would have produced. This pays off for steps whose work leaves the JS thread (sharp decodes on
 * libuv's pool, WASM in workers, GPU and model calls); pure JS work gains nothing and should stay
 * at parallelism 1.
 *
 * On `snapshot` (and at end of input) every batch in flight is finished and emitted first, so a
 * barrier never overtakes output that belongs before it.
 */

import type { DeadLetter } from "../api/dead-letter.js";
import type { Batch } from "../api/stream.js";
import { Operator, type OperatorContext, type OperatorState } from "./operator.js";

interface Slot {
  done: Promise<void>;
  out: Batch[];
  op: Operator;
}

export class ParallelOperator extends Operator {
  readonly step: string;
  private readonly idle: Operator[];
  private readonly inFlight: Slot[] = [];
  private failure: unknown;

  /** `copies` fresh operators of one step (from its planned `create()`). */
  constructor(private readonly copies: readonly Operator[]) {
    super();
    if (copies.length === 0) throw new Error("ParallelOperator needs at least one operator");
    this.step = copies[0]!.step;
    this.idle = [...copies];
  }

  override async open(ctx: OperatorContext): Promise<void> {
    for (const op of this.copies) await op.open(this.copyContext(ctx, []));
  }

  private copyContext(ctx: OperatorContext, out: Batch[]): OperatorContext {
    return {
      step: ctx.step,
      metrics: ctx.metrics,
      signal: ctx.signal,
      // Held back until every earlier batch has been emitted: output keeps input order.
      emit: async (b) => {
        out.push(b);
      },
      deadLetter: (letters: readonly DeadLetter[]) => ctx.deadLetter(letters),
    };
  }

  async processBatch(batch: Batch, ctx: OperatorContext): Promise<void> {
    if (this.idle.length === 0) await this.emitOldest(ctx);
    const op = this.idle.pop()!;
    const out: Batch[] = [];
    const done = Promise.resolve()
      .then(() => op.processBatch(batch, this.copyContext(ctx, out)))
      .catch((err: unknown) => {
        this.failure ??= err;
      });
    this.inFlight.push({ done, out, op });
  }

  private async emitOldest(ctx: OperatorContext): Promise<void> {
    const slot = this.inFlight.shift()!;
    await slot.done;
    this.idle.push(slot.op);
    if (this.failure !== undefined) throw this.failure;
    for (const b of slot.out) await ctx.emit(b);
  }

  private async drain(ctx: OperatorContext): Promise<void> {
    while (this.inFlight.length) await this.emitOldest(ctx);
  }

  override async snapshot(checkpointId: number, ctx: OperatorContext): Promise<OperatorState> {
    await this.drain(ctx);
    return undefined;
  }

  override async endOfInput(ctx: OperatorContext): Promise<void> {
    await this.drain(ctx);
    for (const op of this.copies) {
      const out: Batch[] = [];
      await op.endOfInput(this.copyContext(ctx, out));
      for (const b of out) await ctx.emit(b);
    }
  }

  override async close(): Promise<void> {
    await Promise.allSettled(this.inFlight.map((s) => s.done));
    for (const op of this.copies) await Promise.resolve(op.close()).catch(() => {});
  }
}
