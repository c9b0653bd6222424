/**
 * Model inference over tensor columns: the named input columns become the model's feeds (one
 * `[rows, ...]` tensor each, viewed in place), the model runs on the whole batch — chunked to
 * `maxBatch` for models with a dynamic batch dimension, row by row for fixed-batch models — and
 * the named outputs come back as fixed-shape tensor columns next to the kept columns.
 */

import type { Field, Schema } from "apache-arrow";
import type { Tensor } from "../../kernels/tensor.js";
import { runRows, type ModelRuntime } from "../../scheduler/models/index.js";
import { ModelError } from "../api/runtime-errors.js";
import type { Batch } from "../api/stream.js";
import { Operator, type OperatorContext } from "../executor/operator.js";
import { columnOf, fixedShapeTensorAsTensor, fixedShapeTensorColumn, fixedShapeTensorField, recordBatchFromColumns, type ExtensionColumn } from "../types/index.js";

export interface InferenceOptions {
  model: ModelRuntime;
  /** model input name → tensor column. */
  inputs: Readonly<Record<string, string>>;
  /** model output name → column to create. */
  outputs: Readonly<Record<string, string>>;
  /** Columns passed through unchanged (keys, paths). */
  keep?: readonly string[];
  /** Rows per model call for dynamic-batch models. Default 32. */
  maxBatch?: number;
}

export class InferenceOperator extends Operator {
  constructor(readonly step: string, private readonly opts: InferenceOptions) {
    super();
  }

  override outputSchema(input: Schema): Schema {
    const { model } = this.opts;
    for (const [name, column] of Object.entries(this.opts.inputs)) {
      const io = model.inputs.find((i) => i.name === name);
      if (!io) throw new ModelError(`model ${model.name} has no input '${name}' (inputs: ${model.inputs.map((i) => i.name).join(", ")})`, { step: this.step });
      if (!input.fields.some((f) => f.name === column)) throw new ModelError(`input column '${column}' for model input '${name}' does not exist`, { step: this.step });
    }
    const kept = (this.opts.keep ?? []).map((k) => {
      const f = input.fields.find((x) => x.name === k);
      if (!f) throw new ModelError(`kept column '${k}' does not exist`, { step: this.step });
      return f;
    });
    const outs: Field[] = Object.entries(this.opts.outputs).map(([name, column]) => {
      const io = model.outputs.find((o) => o.name === name);
      if (!io) throw new ModelError(`model ${model.name} has no output '${name}' (outputs: ${model.outputs.map((o) => o.name).join(", ")})`, { step: this.step });
      const dims = io.shape.slice(1);
      if (!dims.every((d): d is number => typeof d === "number")) {
        throw new ModelError(`output '${name}' has dynamic non-batch dims [${io.shape.join(",")}]; a fixed-shape tensor column needs them fixed`, { step: this.step });
      }
      return fixedShapeTensorField(column, io.dtype, { shape: dims });
    });
    return new (input.constructor as typeof Schema)([...kept, ...outs]);
  }

  override async open(ctx: OperatorContext): Promise<void> {
    ctx.metrics.backend = this.opts.model.backend;
  }

  async processBatch(batch: Batch, ctx: OperatorContext): Promise<void> {
    const feeds: Record<string, Tensor> = {};
    for (const [name, column] of Object.entries(this.opts.inputs)) feeds[name] = fixedShapeTensorAsTensor(columnOf(batch, column));
    const results = await runRows(this.opts.model, feeds, { maxBatch: this.opts.maxBatch ?? 32 });
    const columns: ExtensionColumn[] = (this.opts.keep ?? []).map((k) => columnOf(batch, k));
    for (const [name, column] of Object.entries(this.opts.outputs)) {
      const t = results[name];
      if (!t) throw new ModelError(`model ${this.opts.model.name} returned no output '${name}'`, { step: this.step });
      columns.push(fixedShapeTensorColumn(column, t));
    }
    await ctx.emit(recordBatchFromColumns(columns));
  }
}
