/**
 * `classify`: class scores → the top class's label and score per row, through the classify
 * built-in (softmax and topk on the kernels). The label list is read at plan time, and its
 * length must be the score dimension: a label file that does not belong to the model is a plan
 * error, not a wrong label on every record.
 */

import { Field, Float32, Utf8, makeData, makeVector, vectorFromArray, type Schema } from "apache-arrow";
import { sizeOf, type Tensor } from "../../../kernels/tensor.js";
import type { Batch } from "../../api/stream.js";
import { classify as classifyScores, readLabels } from "../../functions/classify.js";
import { ColumnMapOperator, bitmapOf, columnTensor, rowValidity } from "../../operators/column-map-operator.js";
import { columnOf, type ExtensionColumn } from "../../types/index.js";
import { defineOp, type OpDefinition, type PlanContext } from "../op-definition.js";
import { placeFields, sampleTensor, tensorColumn } from "./tensor-column.js";

interface ClassifyArgs {
  column: string;
  labels: string | string[];
  output?: string;
  score?: string;
  softmax?: boolean;
}

/** The label list: given inline, or read from a file of one label per line. */
async function labelsOf(args: ClassifyArgs, ctx: PlanContext): Promise<string[]> {
  if (Array.isArray(args.labels)) {
    if (args.labels.length === 0) throw ctx.error("the label list is empty", { arg: "labels" });
    return args.labels;
  }
  try {
    return await readLabels(ctx.resolvePath(args.labels));
  } catch (err) {
    throw ctx.error((err as Error).message.replace(/^classify: /, ""), { arg: "labels", cause: err });
  }
}

export const classifyOp: OpDefinition = defineOp<ClassifyArgs>({
  kind: "transform",
  name: "classify",
  category: "tensor",
  summary: "Top class of each row of class scores: its label (from a label list or file) and its score",
  args: {
    column: { type: "string", doc: "Score column: f32 tensor of one score per class ([C] per row)", required: true },
    labels: { type: ["string", "string[]"], doc: "Label file (one label per line, line i = class i) or the labels themselves", required: true },
    output: { type: "string", doc: "Label column to write (utf8)", default: "label" },
    score: { type: "string", doc: "Score column to write (f32: the probability, or the raw score without softmax)", default: "score" },
    softmax: { type: "boolean", doc: "Apply softmax first; turn off for models that output probabilities", default: true },
  },
  example: "classify: { column: logits, labels: ./synset.txt }",
  async plan(args, input, ctx) {
    const src = tensorColumn(input, args.column, ctx, { accept: ["f32"] });
    if (src.shape.length !== 1) {
      throw ctx.error(`column '${src.name}' has rows of shape [${src.shape.join(",")}]; classify takes one score vector [C] per row`);
    }
    const classes = src.shape[0]!;
    const labels = await labelsOf(args, ctx);
    if (labels.length !== classes) {
      throw ctx.error(`the label list has ${labels.length} labels but column '${src.name}' scores ${classes} classes; they must match`, { arg: "labels" });
    }
    const labelName = args.output ?? "label";
    const scoreName = args.score ?? "score";
    if (labelName === scoreName) throw ctx.error(`output and score are both '${labelName}'`, { arg: "score" });
    const labelField = new Field(labelName, new Utf8(), true);
    const scoreField = new Field(scoreName, new Float32(), true);
    const output: Schema = placeFields(input, [labelField, scoreField]);
    const softmax = args.softmax ?? true;
    const sample = sampleTensor(ctx, "f32", src.shape);
    const backend = softmax ? ctx.kernelBackend("softmax", [sample]) : ctx.kernelBackend("topk", [sample]);
    const compute = async (batch: Batch) => {
      const column = columnOf(batch, src.name);
      const scores = columnTensor(column) as Tensor<"f32">;
      const rows = batch.numRows;
      const valid = rowValidity([column], rows);
      const result = sizeOf(scores.shape) === 0 ? [] : await classifyScores(scores, labels, { kernels: ctx.kernels, softmax });
      const labelData = vectorFromArray(result.map((r, i) => (valid && !valid[i] ? null : r.label)), new Utf8());
      const scoreValues = Float32Array.from(result, (r) => r.score);
      const scoreVector = makeVector(makeData({ type: new Float32(), length: rows, data: scoreValues, ...bitmapOf(valid) }));
      const columns: ExtensionColumn[] = [
        { field: labelField, vector: labelData },
        { field: scoreField, vector: scoreVector },
      ];
      return { columns };
    };
    return {
      kind: "transform",
      output,
      backend,
      detail: `${src.name} → ${labelName}, ${scoreName}: ${softmax ? "softmax → " : ""}top-1 of ${classes} labels`,
      parallel: true,
      create: () => new ColumnMapOperator(ctx.step.name, { output, backend, compute }),
    };
  },
});
