/**
 * Reductions and normalizations along an axis of each row of a tensor column: softmax, argmax,
 * topk and lpNormalize. The axis is an axis of one row (default the last); the whole column is
 * one `[rows, ...shape]` tensor, so each batch is one kernel call. Null rows stay null.
 */

import { Field, Int32, type Schema } from "apache-arrow";
import type { OpName } from "../../../kernels/op-attrs.js";
import type { Tensor } from "../../../kernels/tensor.js";
import type { Batch } from "../../api/stream.js";
import { ColumnMapOperator, columnTensor, int32Column, rowValidity } from "../../operators/column-map-operator.js";
import { columnOf, embeddingField, fixedShapeTensorColumn, fixedShapeTensorField, type ExtensionColumn } from "../../types/index.js";
import { defineOp, type OpDefinition, type PlanContext, type PlannedTransform } from "../op-definition.js";
import { batchAxis, placeFields, sampleTensor, tensorColumn, type TensorColumnInfo } from "./tensor-column.js";

interface AxisArgs {
  column: string;
  output?: string;
  axis?: number;
}

interface ArgmaxArgs extends AxisArgs {
  output: string;
}

interface TopkArgs {
  column: string;
  k: number;
  outputs: { values: string; indices: string };
  axis?: number;
  largest?: boolean;
}

interface LpArgs extends AxisArgs {
  p?: 2;
}

const COLUMN = { type: "string", doc: "Tensor column to read", required: true } as const;
const OUTPUT = { type: "string", doc: "Column to write; default: replace `column` in place" } as const;
const AXIS = { type: "integer", doc: "Axis of each row (negative counts from the end)", default: -1 } as const;

type Valid = boolean[] | undefined;
const validOpt = (valid: Valid): { valid?: boolean[] } => (valid ? { valid } : {});

/** One kernel call per batch: `run` maps the column's tensor to the output columns (`fields`). */
function planKernelStep(
  ctx: PlanContext,
  input: Schema,
  src: TensorColumnInfo,
  op: OpName,
  fields: readonly Field[],
  detail: string,
  run: (t: Tensor, valid: Valid) => Promise<ExtensionColumn[]>,
): PlannedTransform {
  const output = placeFields(input, fields);
  const backend = ctx.kernelBackend(op, [sampleTensor(ctx, src.dtype, src.shape)]);
  const compute = async (batch: Batch) => {
    const column = columnOf(batch, src.name);
    return { columns: await run(columnTensor(column), rowValidity([column], batch.numRows)) };
  };
  return {
    kind: "transform",
    output,
    backend,
    detail,
    parallel: true,
    create: () => new ColumnMapOperator(ctx.step.name, { output, backend, compute }),
  };
}

/** `scores → probs` or `scores` for explain. */
const arrow = (from: string, to: string): string => (from === to ? from : `${from} → ${to}`);

const softmax = defineOp<AxisArgs>({
  kind: "transform",
  name: "softmax",
  category: "tensor",
  summary: "Softmax along an axis of each row of an f32 tensor column",
  args: { column: COLUMN, output: OUTPUT, axis: AXIS },
  example: "softmax: { column: logits }",
  plan(args, input, ctx) {
    const src = tensorColumn(input, args.column, ctx, { accept: ["f32"] });
    const axis = batchAxis(args.axis ?? -1, src.shape, ctx);
    const out = args.output ?? src.name;
    const field = fixedShapeTensorField(out, "f32", { shape: src.shape, ...(src.dimNames && { dimNames: src.dimNames }) });
    return planKernelStep(ctx, input, src, "softmax", [field], `${arrow(src.name, out)}: softmax over axis ${args.axis ?? -1}`, async (t, valid) => {
      const { outputs } = await ctx.kernels.run("softmax", [t], { axis });
      return [fixedShapeTensorColumn(out, outputs[0]!, validOpt(valid))];
    });
  },
});

const argmax = defineOp<ArgmaxArgs>({
  kind: "transform",
  name: "argmax",
  category: "tensor",
  summary: "Index of the maximum along an axis of each row (ties: the first), as an i32 column",
  args: { column: COLUMN, output: { type: "string", doc: "i32 column to write", required: true }, axis: AXIS },
  example: "argmax: { column: logits, output: class }",
  plan(args, input, ctx) {
    const src = tensorColumn(input, args.column, ctx, { accept: ["f32", "i32"] });
    const axis = batchAxis(args.axis ?? -1, src.shape, ctx);
    const rowAxis = axis < 0 ? axis + src.shape.length : axis - 1;
    const rest = src.shape.filter((_, i) => i !== rowAxis);
    // Rows of one axis reduce to one index each: a plain Int32 column, not a rank-0 tensor.
    const field = rest.length === 0 ? new Field(args.output, new Int32(), true) : fixedShapeTensorField(args.output, "i32", { shape: rest });
    return planKernelStep(ctx, input, src, "argmax", [field], `${arrow(src.name, args.output)}: argmax over axis ${args.axis ?? -1}`, async (t, valid) => {
      const { outputs } = await ctx.kernels.run("argmax", [t], { axis, keepdims: false });
      const idx = outputs[0] as Tensor<"i32">;
      return [rest.length === 0 ? int32Column(field, idx.data, valid) : fixedShapeTensorColumn(args.output, idx, validOpt(valid))];
    });
  },
});

const topk = defineOp<TopkArgs>({
  kind: "transform",
  name: "topk",
  category: "tensor",
  summary: "The k largest (or smallest) values along an axis of each row, best first, with their indices",
  args: {
    column: COLUMN,
    k: { type: "integer", doc: "How many values to keep", required: true, min: 1 },
    outputs: { type: "object", doc: "Columns to write: { values: f32 tensor, indices: i32 tensor }", required: true },
    axis: AXIS,
    largest: { type: "boolean", doc: "The k largest (true) or smallest (false)", default: true },
  },
  example: "topk: { column: probs, k: 5, outputs: { values: top_scores, indices: top_classes } }",
  plan(args, input, ctx) {
    const src = tensorColumn(input, args.column, ctx, { accept: ["f32"] });
    const axis = batchAxis(args.axis ?? -1, src.shape, ctx);
    const { values, indices } = args.outputs as Partial<TopkArgs["outputs"]>;
    if (typeof values !== "string" || typeof indices !== "string" || values === indices || Object.keys(args.outputs).length !== 2) {
      throw ctx.error("outputs must be { values: <column>, indices: <column> } with two different column names", { arg: "outputs" });
    }
    const rowAxis = axis < 0 ? axis + src.shape.length : axis - 1;
    const dim = src.shape[rowAxis]!;
    if (args.k > dim) throw ctx.error(`k = ${args.k} is more than the ${dim} values along axis ${args.axis ?? -1} of rows [${src.shape.join(",")}]`, { arg: "k" });
    const shape = src.shape.map((d, i) => (i === rowAxis ? args.k : d));
    const largest = args.largest ?? true;
    const fields = [fixedShapeTensorField(values, "f32", { shape }), fixedShapeTensorField(indices, "i32", { shape })];
    const detail = `${src.name} → ${values}, ${indices}: top ${args.k} ${largest ? "largest" : "smallest"} over axis ${args.axis ?? -1}`;
    return planKernelStep(ctx, input, src, "topk", fields, detail, async (t, valid) => {
      const { outputs } = await ctx.kernels.run("topk", [t], { k: args.k, axis, largest });
      return [fixedShapeTensorColumn(values, outputs[0]!, validOpt(valid)), fixedShapeTensorColumn(indices, outputs[1]!, validOpt(valid))];
    });
  },
});

const lpNormalize = defineOp<LpArgs>({
  kind: "transform",
  name: "lpNormalize",
  category: "tensor",
  summary: "Scales each row to unit L2 norm along an axis (a zero vector stays zero); embeddings stay embeddings",
  args: { column: COLUMN, output: OUTPUT, p: { type: "integer", doc: "The norm (only 2)", default: 2, oneOf: [2] }, axis: AXIS },
  example: "lpNormalize: { column: embedding }",
  plan(args, input, ctx) {
    const src = tensorColumn(input, args.column, ctx, { accept: ["f32"] });
    const axis = batchAxis(args.axis ?? -1, src.shape, ctx);
    const out = args.output ?? src.name;
    const e = src.embedding;
    const field = e
      ? embeddingField(out, e.dim, { ...(e.model !== undefined && { model: e.model }), metric: e.metric, normalized: true })
      : fixedShapeTensorField(out, "f32", { shape: src.shape, ...(src.dimNames && { dimNames: src.dimNames }) });
    return planKernelStep(ctx, input, src, "lpNormalize", [field], `${arrow(src.name, out)}: L2-normalize over axis ${args.axis ?? -1}`, async (t, valid) => {
      const { outputs } = await ctx.kernels.run("lpNormalize", [t], { axis, p: 2 });
      // Same storage as the embedding Field, which the operator puts on the column.
      return [fixedShapeTensorColumn(out, outputs[0]!, validOpt(valid))];
    });
  },
});

/** softmax, argmax, topk and lpNormalize. */
export const SCORE_OPS: readonly OpDefinition[] = [softmax, argmax, topk, lpNormalize];
