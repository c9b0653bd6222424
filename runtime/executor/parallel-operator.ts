/**
 * Parallelism for a stateless step: up to N batches are in one of N copies of the operator at
 * once, and their outputs are emitted in input order, so downstream sees exactly what one copy
 * would have produced. This pays off for steps whose work leaves the JS thread (sharp decodes on
 * libuv's pool, WASM in workers, GPU and model calls); pure JS work gains nothing and should stay
 * at parallelism 1.
 *
 * On an aligned `snapshot` (and at end of input) every batch in flight is finished and emitted
 * first, so a barrier never overtakes output that belongs before it. An unaligned barrier does
 * not wait: it overtakes the batches in flight, which are stored as channel state (Arrow IPC)
 * and processed again on restore; their outputs, emitted after the barrier, belong to the next
 * checkpoint, so nothing is lost or doubled.
 */

import type { DeadLetter } from "../api/dead-letter.js";
import type { Batch, Json } from "../api/stream.js";
import { SluiceError } from "../../kernels/errors.js";
import { decodeBatch, encodeBatch } from "../operators/row-ranges.js";
import { Operator, type OperatorContext, type OperatorState } from "./operator.js";

interface Slot {
  input: Batch;
  done: Promise<void>;
  out: Batch[];
  letters: DeadLetter[];
  op: Operator;
}

export class ParallelOperator extends Operator {
  readonly step: string;
  private readonly idle: Operator[];
  private readonly inFlight: Slot[] = [];
  private failure: unknown;
  /** Restored channel state: batches to process before new input. */
  private replay: Batch[] = [];

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

  private copyContext(ctx: OperatorContext, out: Batch[], letters?: DeadLetter[]): OperatorContext {
    return {
      step: ctx.step,
      metrics: ctx.metrics,
      signal: ctx.signal,
      // Held back until every earlier batch has been emitted: output keeps input order.
      emit: async (b) => {
        out.push(b);
      },
      // Held back with the output: a batch an unaligned barrier overtakes is processed again on
      // restore, so none of its effects may land before the barrier.
      deadLetter: letters ? async (l: readonly DeadLetter[]) => void letters.push(...l) : (l: readonly DeadLetter[]) => ctx.deadLetter(l),
    };
  }

  async processBatch(batch: Batch, ctx: OperatorContext): Promise<void> {
    if (this.replay.length > 0) for (const b of this.replay.splice(0)) await this.start(b, ctx);
    await this.start(batch, ctx);
  }

  private async start(batch: Batch, ctx: OperatorContext): Promise<void> {
    if (this.idle.length === 0) await this.emitOldest(ctx);
    const op = this.idle.pop()!;
    const out: Batch[] = [];
    const letters: DeadLetter[] = [];
    const done = Promise.resolve()
      .then(() => op.processBatch(batch, this.copyContext(ctx, out, letters)))
      .catch((err: unknown) => {
        this.failure ??= err;
      });
    this.inFlight.push({ input: batch, done, out, letters, op });
  }

  private async emitOldest(ctx: OperatorContext): Promise<void> {
    const slot = this.inFlight.shift()!;
    await slot.done;
    this.idle.push(slot.op);
    if (this.failure !== undefined) throw this.failure;
    if (slot.letters.length > 0) await ctx.deadLetter(slot.letters);
    for (const b of slot.out) await ctx.emit(b);
  }

  private async drain(ctx: OperatorContext): Promise<void> {
    while (this.inFlight.length) await this.emitOldest(ctx);
  }

  override async snapshot(_checkpointId: number, ctx: OperatorContext): Promise<OperatorState> {
    if (!ctx.unalignedCheckpoints) {
      await this.drain(ctx);
      return undefined;
    }
    const overtaken = [...this.replay, ...this.inFlight.map((s) => s.input)];
    return overtaken.length === 0 ? undefined : { inFlight: overtaken.map(encodeBatch) };
  }

  override restore(state: OperatorState): void {
    const list = state !== null && typeof state === "object" && !Array.isArray(state) ? state["inFlight"] : undefined;
    if (!Array.isArray(list) || !list.every((b): b is string => typeof b === "string")) {
      throw new SluiceError(`step '${this.step}': not a parallel-operator snapshot (expected { inFlight: [base64 Arrow IPC] })`, { step: this.step });
    }
    this.replay = list.map((b: Json) => decodeBatch(b as string));
  }

  override async endOfInput(ctx: OperatorContext): Promise<void> {
    for (const b of this.replay.splice(0)) await this.start(b, ctx);
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
