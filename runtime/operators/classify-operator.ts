/**
 * Scores → class: argmax of a score tensor column per row, with the winning score and its label
 * (from a label list), as plain `class` (int32), `score` (float32) and `label` (utf8) columns.
 */

import { Field, Float32, Int32, Schema, Utf8, makeVector, vectorFromArray } from "apache-arrow";
import type { Batch } from "../api/stream.js";
import { PlanError } from "../api/runtime-errors.js";
import { classify, type KernelRunner } from "../functions/index.js";
import { Operator, type OperatorContext } from "../executor/operator.js";
import { columnOf, fixedShapeTensorAsTensor, recordBatchFromColumns, type ExtensionColumn } from "../types/index.js";
import type { Tensor } from "../../kernels/tensor.js";

export interface ClassifyOperatorOptions {
  /** Score column (fixed-shape f32 tensor, one vector of class scores per row). */
  input: string;
  labels: readonly string[];
  /** Apply softmax first; turn off for models that already output probabilities. Default true. */
  softmax?: boolean;
  keep?: readonly string[];
  kernels: KernelRunner;
}

export class ClassifyOperator extends Operator {
  constructor(readonly step: string, private readonly opts: ClassifyOperatorOptions) {
    super();
  }

  override outputSchema(input: Schema): Schema {
    if (!input.fields.some((f) => f.name === this.opts.input)) throw new PlanError(`score column '${this.opts.input}' does not exist`, { step: this.step });
    const kept = (this.opts.keep ?? []).map((k) => {
      const f = input.fields.find((x) => x.name === k);
      if (!f) throw new PlanError(`kept column '${k}' does not exist`, { step: this.step });
      return f;
    });
    return new Schema([...kept, new Field("class", new Int32(), false), new Field("score", new Float32(), false), new Field("label", new Utf8(), false)]);
  }

  async processBatch(batch: Batch, ctx: OperatorContext): Promise<void> {
    const scores = fixedShapeTensorAsTensor(columnOf(batch, this.opts.input)) as Tensor<"f32">;
    const rows = scores.shape[0]!;
    const flat: Tensor<"f32"> = { dtype: "f32", shape: [rows, scores.data.length / Math.max(rows, 1)], data: scores.data };
    const result = await classify(flat, this.opts.labels, { kernels: this.opts.kernels, softmax: this.opts.softmax ?? true });
    const columns: ExtensionColumn[] = (this.opts.keep ?? []).map((k) => columnOf(batch, k));
    columns.push({ field: new Field("class", new Int32(), false), vector: makeVector(Int32Array.from(result, (r) => r.index)) } as ExtensionColumn);
    columns.push({ field: new Field("score", new Float32(), false), vector: makeVector(Float32Array.from(result, (r) => r.score)) } as ExtensionColumn);
    columns.push({ field: new Field("label", new Utf8(), false), vector: vectorFromArray(result.map((r) => r.label), new Utf8()) } as ExtensionColumn);
    await ctx.emit(recordBatchFromColumns(columns));
  }
}
