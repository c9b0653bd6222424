/**
 * Selecting rows of a batch by index (filter, dropping dead-lettered rows) into one new batch
 * that keeps every Field — and so every extension type — as it was. Arrow JS has no `take`
 * kernel; fixed-width columns (numbers, tensors, embeddings) are gathered straight from their
 * value buffers, the rest through Arrow's builders.
 */

import { FixedSizeList, Type, makeBuilder, makeData, type Data, type DataType, type Field, type RecordBatch, type Vector } from "apache-arrow";
import { recordBatchFromColumns } from "./multimodal-batch.js";
import type { ExtensionColumn } from "./extension-field.js";

type Values = { length: number; subarray(a: number, b: number): Values; set(src: Values, at: number): void };
type ValuesCtor = new (n: number) => Values;

function validityOf(data: Data, rows: ArrayLike<number>): { bitmap: Uint8Array | undefined; nulls: number } {
  if (!data.nullCount) return { bitmap: undefined, nulls: 0 };
  const bitmap = new Uint8Array(Math.ceil(rows.length / 8));
  let nulls = 0;
  for (let i = 0; i < rows.length; i++) {
    if (data.getValid(rows[i]!)) bitmap[i >> 3]! |= 1 << (i & 7);
    else nulls++;
  }
  return { bitmap, nulls };
}

/** Fixed-width primitives: gather `width` values per row. Arrow JS slices `values` with the Data, so row 0 is at 0. */
function gatherFixed(values: Values, width: number, rows: ArrayLike<number>): Values {
  const out = new (values.constructor as ValuesCtor)(rows.length * width);
  for (let i = 0; i < rows.length; i++) {
    const at = rows[i]! * width;
    if (width === 1) (out as unknown as number[])[i] = (values as unknown as number[])[at]!;
    else out.set(values.subarray(at, at + width), i * width);
  }
  return out;
}

function isFixedPrimitive(type: DataType): boolean {
  return type.typeId === Type.Int || type.typeId === Type.Float;
}

function takeData(vector: Vector, rows: ArrayLike<number>, field: Field): Data {
  const data = vector.data[0]!;
  const { bitmap, nulls } = validityOf(data, rows);
  const type = data.type;
  if (isFixedPrimitive(type) && data.values) {
    const values = gatherFixed(data.values as Values, 1, rows);
    return makeData({ type, length: rows.length, nullCount: nulls, nullBitmap: bitmap, data: values } as never);
  }
  if (type instanceof FixedSizeList && isFixedPrimitive(type.children[0]!.type)) {
    const child = data.children[0]!;
    const size = type.listSize;
    const values = gatherFixed(child.values as Values, size, rows);
    const childData = makeData({ type: child.type, length: rows.length * size, nullCount: 0, data: values } as never);
    return makeData({ type, length: rows.length, nullCount: nulls, nullBitmap: bitmap, child: childData } as never);
  }
  // Variable-width and nested types: rebuild through a builder from the row values.
  const builder = makeBuilder({ type, nullValues: [null, undefined] });
  for (let i = 0; i < rows.length; i++) {
    const value: unknown = vector.get(rows[i]!);
    builder.append((value && typeof value === "object" && "toJSON" in value ? (value as { toJSON(): unknown }).toJSON() : value) as never);
  }
  const built = builder.finish().flush();
  if (built.type.typeId !== type.typeId) throw new Error(`take: column '${field.name}' changed type while rebuilding`);
  return built as Data;
}

/** A new batch holding `rows` of `batch` in the given order; fields (and metadata) unchanged. */
export function takeRows(batch: RecordBatch, rows: ArrayLike<number>): RecordBatch {
  if (rows.length === batch.numRows && Array.prototype.every.call(rows, (r: number, i: number) => r === i)) return batch;
  const columns: ExtensionColumn[] = batch.schema.fields.map((field, i) => {
    const vector = batch.getChildAt(i)!;
    const taken = takeData(vector, rows, field);
    return { field, vector: new (vector.constructor as new (d: Data[]) => Vector)([taken]) } as ExtensionColumn;
  });
  return recordBatchFromColumns(columns, batch.schema.metadata);
}
