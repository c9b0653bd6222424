/**
 * The `infer` op (runtime/plan/ops/infer-op.ts) planned on an already loaded model and driven the
 * way the executor drives an operator — open, processBatch per batch, endOfInput — for the
 * batching benchmark's seam (`SluiceInference` in batching-bench.ts) and `infer-overhead.ts`.
 * End of input flushes the last micro-batch; the same operator then takes the next run.
 */

import type { Batch, Schema } from "../runtime/api/stream.js";
import { newMetrics, type OperatorContext } from "../runtime/executor/operator.js";
import type { StepNode } from "../runtime/plan/logical-plan.js";
import { inferOp } from "../runtime/plan/ops/model-ops.js";
import { PlanSession } from "../runtime/plan/plan-session.js";
import type { ModelRuntime } from "../scheduler/models/index.js";

export interface InferOpInference {
  readonly which: string;
  /** Pushes every batch through the operator, then flushes; resolves with the rows emitted. */
  run(batches: readonly Batch[]): Promise<number>;
  close(): Promise<void>;
}

/** Plans `infer` for `model` (its first input read from `column`, every output written) against `input`. */
export async function inferOpInference(model: ModelRuntime, input: Schema, opts: { column: string; maxRows: number; concurrency?: number }): Promise<InferOpInference> {
  const session = await PlanSession.create({ webgpu: false, warn: () => {} });
  const args = { model: model.name, inputs: { [model.inputs[0]!.name]: opts.column }, keep: [], batch: { maxRows: opts.maxRows }, concurrency: opts.concurrency ?? 1 };
  const step: StepNode = { op: "infer", name: "infer", args };
  const plan = { name: "bench", baseDir: process.cwd(), source: step, steps: [], options: {} };
  // The model is loaded already: planning uses it instead of loading the file.
  const ctx = { ...session.contextFor(plan, step), loadModel: async () => model };
  if (inferOp.kind !== "transform") throw new Error("infer is not a transform");
  const planned = await inferOp.plan(args, input, ctx);
  const op = planned.create();
  let rows = 0;
  const octx: OperatorContext = {
    step: "infer",
    metrics: newMetrics(),
    signal: new AbortController().signal,
    emit: async (b) => {
      rows += b.numRows;
    },
    deadLetter: async () => {},
  };
  await op.open(octx);
  return {
    which: `infer op (AsyncRowOperator, runtime/plan/ops/infer-op.ts): ${planned.detail}`,
    async run(batches) {
      rows = 0;
      for (const b of batches) await op.processBatch(b, octx);
      await op.endOfInput(octx);
      return rows;
    },
    async close() {
      await op.close();
      await session.close();
    },
  };
}
