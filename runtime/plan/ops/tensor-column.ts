/**
 * What the tensor and text ops share at plan time: finding an input column and checking it is a
 * tensor of a dtype and shape the op can take (errors name the column and what was found), and
 * placing an op's output Field in the schema — replacing a column of that name where it stands,
 * else appending it — which is the column convention every op follows.
 */

import { DataType, Field, Schema } from "apache-arrow";
import type { DType, Tensor } from "../../../kernels/tensor.js";
import { PlanError } from "../../api/runtime-errors.js";
import {
  embeddingInfo,
  fixedShapeTensorInfo,
  isEmbeddingField,
  isFixedShapeTensorField,
  isKernelDType,
  type EmbeddingInfo,
} from "../../types/index.js";
import type { PlanContext } from "../op-definition.js";

/** A tensor column as planning sees it: one tensor of `shape` and `dtype` per row. */
export interface TensorColumnInfo {
  readonly name: string;
  readonly field: Field;
  readonly dtype: DType;
  /** The shape of one row (the column's tensor is `[rows, ...shape]`). */
  readonly shape: readonly number[];
  /** Set for `sluice.embedding` columns (always f32 `[dim]`). */
  readonly embedding?: EmbeddingInfo;
  /** Dimension names of a fixed-shape tensor, kept by shape-preserving ops. */
  readonly dimNames?: readonly string[];
}

/** The field named `name`, or a PlanError listing the columns there are. */
export function requireField(input: Schema, name: string, ctx: PlanContext, arg = "column"): Field {
  const f = input.fields.find((x) => x.name === name);
  if (!f) throw ctx.error(`column '${name}' does not exist (columns: ${input.fields.map((x) => x.name).join(", ") || "none"})`, { arg });
  return f;
}

/**
 * A fixed-shape tensor or embedding column of a kernel dtype; `accept` narrows the dtypes (an
 * op that only computes on f32 says so here rather than failing on the first batch).
 */
export function tensorColumn(input: Schema, name: string, ctx: PlanContext, opts: { arg?: string; accept?: readonly DType[] } = {}): TensorColumnInfo {
  const arg = opts.arg ?? "column";
  const field = requireField(input, name, ctx, arg);
  let info: TensorColumnInfo;
  try {
    if (isEmbeddingField(field)) {
      const e = embeddingInfo(field);
      info = { name, field, dtype: "f32", shape: [e.dim], embedding: e };
    } else if (isFixedShapeTensorField(field)) {
      const t = fixedShapeTensorInfo(field);
      if (!isKernelDType(t.dtype)) {
        throw ctx.error(`column '${name}' holds ${t.dtype} tensors; tensor ops compute on u8, i32 or f32`, { arg });
      }
      if (t.permutation && t.permutation.some((p, i) => p !== i)) {
        throw ctx.error(`column '${name}' is a permuted tensor (permutation [${t.permutation.join(",")}]); tensor ops take row-major tensors`, { arg });
      }
      info = { name, field, dtype: t.dtype, shape: t.shape, ...(t.dimNames && { dimNames: t.dimNames }) };
    } else {
      throw ctx.error(`column '${name}' is ${describeType(field)}, not a tensor column (arrow.fixed_shape_tensor or sluice.embedding)`, { arg });
    }
  } catch (err) {
    if (err instanceof PlanError) throw err;
    throw ctx.error(`column '${name}': ${(err as Error).message}`, { arg, cause: err });
  }
  if (opts.accept && !opts.accept.includes(info.dtype)) {
    throw ctx.error(`column '${name}' is ${info.dtype}; ${ctx.step.op} takes ${opts.accept.join(" or ")} tensors (add a cast step before it)`, { arg });
  }
  return info;
}

/** A Utf8 column (LargeUtf8 too), or a PlanError saying what the column is. */
export function textColumn(input: Schema, name: string, ctx: PlanContext, arg = "column"): Field {
  const field = requireField(input, name, ctx, arg);
  const t: DataType = field.type;
  if (!DataType.isUtf8(t) && !DataType.isLargeUtf8(t)) throw ctx.error(`column '${name}' is ${describeType(field)}, not text (utf8)`, { arg });
  return field;
}

/** A tensor axis of a row (`-rank ≤ axis < rank`), as an axis of the `[rows, ...shape]` batch tensor. */
export function batchAxis(axis: number, rowShape: readonly number[], ctx: PlanContext, arg = "axis"): number {
  const rank = rowShape.length;
  if (!Number.isInteger(axis) || axis < -rank || axis >= rank) {
    throw ctx.error(`axis ${axis} is out of range for rows of shape [${rowShape.join(",")}] (rank ${rank})`, { arg });
  }
  // Negative axes count from the end, which the leading rows dim does not change.
  return axis < 0 ? axis : axis + 1;
}

/** `input` with `field` replacing the column of the same name in place, or appended. */
export function placeField(input: Schema, field: Field): Schema {
  const fields = input.fields.slice();
  const i = fields.findIndex((f) => f.name === field.name);
  if (i >= 0) fields[i] = field;
  else fields.push(field);
  return new Schema(fields, input.metadata);
}

/** `placeField` for several outputs, in order. */
export function placeFields(input: Schema, fields: readonly Field[]): Schema {
  return fields.reduce((s, f) => placeField(s, f), input);
}

/**
 * A stand-in tensor of a typical batch for `ctx.kernelBackend`, which looks only at dtype and
 * shape; allocating a real batch just to pick a backend would cost more than the choice.
 */
export function sampleTensor(ctx: PlanContext, dtype: DType, rowShape: readonly number[]): Tensor {
  const rows = ctx.plan.options.batchRows ?? 64;
  return { dtype, shape: [rows, ...rowShape], data: new Float32Array(0) } as unknown as Tensor;
}

/** How a column's type reads in a message: the extension name, else the Arrow type. */
export function describeType(field: Field): string {
  const ext = field.metadata.get("ARROW:extension:name");
  return ext ? `${ext} (${String(field.type)})` : String(field.type);
}
