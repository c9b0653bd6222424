/**
 * `sluice.embedding`: one float32 vector of a fixed dimension per row, stored as
 * FixedSizeList<Float32>[dim], with the model that produced it and how to compare vectors.
 * Metadata: `{"model":"…","metric":"cosine"|"dot"|"l2","normalized":true|false}`; `model` is
 * optional, the other two are required. The view is one [rows, dim] f32 tensor, zero-copy.
 */

import { DataType, Field, FixedSizeList, Float32, makeVector, type Data } from "apache-arrow";
import type { Tensor } from "../../kernels/tensor.js";
import { chunkRow, fixedSizeListColumnValues, fixedSizeListValues, isRowValid } from "./column-chunks.js";
import { asElementArray, elementTypeOfArrow } from "./element-types.js";
import {
  EMBEDDING,
  cachedFieldInfo,
  extensionField,
  extensionNameOf,
  readMetadataObject,
  requireExtension,
  requireVectorMatchesField,
  type ExtensionColumn,
} from "./extension-field.js";
import { ALL_VALID, fixedSizeListData, numericData, validityFromFlags, validityOfRows } from "./storage-data.js";
import { ExtensionMetadataError, TypeMismatchError, describeValue } from "./type-errors.js";

export type EmbeddingMetric = "cosine" | "dot" | "l2";
export const EMBEDDING_METRICS: readonly EmbeddingMetric[] = ["cosine", "dot", "l2"];

export interface EmbeddingParams {
  /** The model that produced the vectors; vectors of different models are not comparable. */
  readonly model?: string;
  readonly metric: EmbeddingMetric;
  /** Whether every non-null vector has unit L2 norm (checked when building). */
  readonly normalized: boolean;
}

export interface EmbeddingInfo extends EmbeddingParams {
  readonly dim: number;
}

export type EmbeddingColumn = ExtensionColumn<FixedSizeList<Float32>>;

export interface EmbeddingOptions extends EmbeddingParams {
  readonly valid?: ArrayLike<boolean>;
  readonly nullable?: boolean;
}

/** What a reader requires of an embedding column; mismatches are errors naming the column. */
export interface EmbeddingExpectation {
  readonly dim?: number;
  readonly model?: string;
  readonly metric?: EmbeddingMetric;
  readonly requireZeroCopy?: boolean;
}

/** Relative tolerance on |‖v‖ − 1| for `normalized: true`, loose enough for f32 producers. */
const NORM_TOLERANCE = 1e-3;

/** An embedding Field (no values). */
export function embeddingField(name: string, dim: number, params: EmbeddingParams, nullable = true): Field<FixedSizeList<Float32>> {
  if (!Number.isSafeInteger(dim) || dim < 1) throw new TypeMismatchError(name, "embedding dim", "a positive integer", String(dim));
  const p = checkParams(name, { ...params });
  const json = JSON.stringify({ ...(p.model !== undefined && { model: p.model }), metric: p.metric, normalized: p.normalized });
  return extensionField(name, new FixedSizeList(dim, new Field("item", new Float32(), false)), EMBEDDING, json, nullable);
}

/** Wraps an f32 tensor of shape [rows, dim] as an embedding column without copying. */
export function embeddingColumn(name: string, t: Tensor<"f32">, options: EmbeddingOptions): EmbeddingColumn {
  if (t.shape.length !== 2) throw new TypeMismatchError(name, "embedding tensor shape", "[rows, dim]", `[${t.shape.join(",")}]`);
  const [rows, dim] = t.shape as [number, number];
  const field = embeddingField(name, dim, options, options.nullable ?? true);
  const data = asElementArray("f32", t.data, name);
  if (data.length !== rows * dim) throw new TypeMismatchError(name, "embedding data length", String(rows * dim), String(data.length));
  if (options.valid !== undefined && options.valid.length !== rows) {
    throw new TypeMismatchError(name, "validity length", String(rows), String(options.valid.length));
  }
  const validity = options.valid === undefined ? ALL_VALID : validityFromFlags(options.valid);
  if (options.normalized) checkNormalized(name, data, dim, (i) => options.valid === undefined || options.valid[i] === true);
  return { field, vector: makeVector(fixedSizeListData(field.type, rows, numericData("f32", data) as Data<Float32>, validity)) };
}

/** Builds an embedding column from per-row vectors (null/undefined rows are nulls); copies. */
export function embeddingColumnFromRows(
  name: string,
  dim: number,
  rows: ReadonlyArray<ArrayLike<number> | null | undefined>,
  options: Omit<EmbeddingOptions, "valid">,
): EmbeddingColumn {
  const field = embeddingField(name, dim, options, options.nullable ?? true);
  const data = new Float32Array(rows.length * dim);
  rows.forEach((row, i) => {
    if (row === null || row === undefined) return;
    if (row.length !== dim) throw new TypeMismatchError(name, `row ${i} embedding dim`, String(dim), String(row.length));
    data.set(row, i * dim);
  });
  if (options.normalized) checkNormalized(name, data, dim, (i) => rows[i] !== null && rows[i] !== undefined);
  return { field, vector: makeVector(fixedSizeListData(field.type, rows.length, numericData("f32", data) as Data<Float32>, validityOfRows(rows))) };
}

/** Whether a field is tagged `sluice.embedding` (metadata not validated). */
export function isEmbeddingField(field: Field<DataType>): boolean {
  return extensionNameOf(field) === EMBEDDING;
}

/** Reads and validates an embedding field, and checks it against what the caller expects. */
export function embeddingInfo(field: Field<DataType>, expect: EmbeddingExpectation = {}): EmbeddingInfo {
  const info = cachedFieldInfo(field, readEmbeddingInfo);
  if (expect.dim !== undefined && expect.dim !== info.dim) throw new TypeMismatchError(field.name, "embedding dim", String(expect.dim), String(info.dim));
  if (expect.model !== undefined && expect.model !== info.model) {
    throw new TypeMismatchError(field.name, "embedding model", describeValue(expect.model), describeValue(info.model ?? null));
  }
  if (expect.metric !== undefined && expect.metric !== info.metric) throw new TypeMismatchError(field.name, "embedding metric", expect.metric, info.metric);
  return info;
}

function readEmbeddingInfo(field: Field<DataType>): EmbeddingInfo {
  requireExtension(field, EMBEDDING);
  const type: DataType = field.type;
  if (!DataType.isFixedSizeList(type) || elementTypeOfArrow(type.valueType) !== "f32") {
    throw new TypeMismatchError(field.name, "storage type", "FixedSizeList<Float32>[dim]", String(type));
  }
  const params = checkParams(field.name, readMetadataObject(field, EMBEDDING, false));
  return { dim: type.listSize, ...params };
}

/** The column as one f32 tensor [rows, dim]; zero-copy for a single chunk. Null rows are zeros. */
export function embeddingView(column: ExtensionColumn, expect: EmbeddingExpectation = {}): Tensor<"f32"> {
  const info = embeddingInfo(column.field, expect);
  requireVectorMatchesField(column);
  const data = fixedSizeListColumnValues(column.vector, "f32", info.dim, column.field.name, expect.requireZeroCopy ?? false);
  return { dtype: "f32", shape: [column.vector.length, info.dim], data: data as Float32Array };
}

/** One row's vector (a view into the buffer), or null for a null row. */
export function embeddingRow(column: ExtensionColumn, row: number): Float32Array | null {
  const { dim } = embeddingInfo(column.field);
  requireVectorMatchesField(column);
  const { data, index } = chunkRow(column.vector, row, column.field.name);
  if (!isRowValid(data, index)) return null;
  return (fixedSizeListValues(data, dim, column.field.name) as Float32Array).subarray(index * dim, (index + 1) * dim);
}

function checkParams(column: string, o: Record<string, unknown>): EmbeddingParams {
  const { model, metric, normalized } = o;
  if (model !== undefined && typeof model !== "string") {
    throw new ExtensionMetadataError(column, EMBEDDING, `"model" as a string`, describeValue(model));
  }
  if (typeof metric !== "string" || !(EMBEDDING_METRICS as readonly string[]).includes(metric)) {
    throw new ExtensionMetadataError(column, EMBEDDING, `"metric" one of ${EMBEDDING_METRICS.join(", ")}`, describeValue(metric ?? null));
  }
  if (typeof normalized !== "boolean") {
    throw new ExtensionMetadataError(column, EMBEDDING, `"normalized" as a boolean`, describeValue(normalized ?? null));
  }
  return { ...(model !== undefined && { model }), metric: metric as EmbeddingMetric, normalized };
}

function checkNormalized(column: string, data: Float32Array, dim: number, present: (row: number) => boolean): void {
  const rows = data.length / dim;
  for (let r = 0; r < rows; r++) {
    if (!present(r)) continue;
    let ss = 0;
    for (let k = r * dim; k < (r + 1) * dim; k++) ss += data[k]! * data[k]!;
    const norm = Math.sqrt(ss);
    if (!(Math.abs(norm - 1) <= NORM_TOLERANCE)) {
      throw new TypeMismatchError(column, `row ${r} L2 norm (normalized: true)`, "1", norm.toPrecision(6));
    }
  }
}
