/**
 * Selecting rows of a batch by index (filter, dropping dead-lettered rows) into one new batch
 * that keeps every Field — and so every extension type — as it was. Columns are gathered per
 * layout by `takeColumnRows`; the few types it does not cover go through Arrow's builders.
 */

import { makeBuilder, type Data, type Field, type RecordBatch, type Vector } from "apache-arrow";
import { canTakeRows, takeColumnRows } from "./take-column-rows.js";
import { recordBatchFromColumns } from "./multimodal-batch.js";
import type { ExtensionColumn } from "./extension-field.js";

/** Types `takeColumnRows` does not cover (nested, dictionary): rebuilt through a builder. */
function takeByBuilder(vector: Vector, rows: ArrayLike<number>, field: Field): Data {
  const builder = makeBuilder({ type: vector.type, nullValues: [null, undefined] });
  for (let i = 0; i < rows.length; i++) {
    const value: unknown = vector.get(rows[i]!);
    builder.append((value && typeof value === "object" && "toJSON" in value ? (value as { toJSON(): unknown }).toJSON() : value) as never);
  }
  const built = builder.finish().flush();
  if (built.type.typeId !== vector.type.typeId) throw new Error(`take: column '${field.name}' changed type while rebuilding`);
  return built as Data;
}

/** A new batch holding `rows` of `batch` in the given order; fields (and metadata) unchanged. */
export function takeRows(batch: RecordBatch, rows: ArrayLike<number>): RecordBatch {
  if (rows.length === batch.numRows && Array.prototype.every.call(rows, (r: number, i: number) => r === i)) return batch;
  const index = Int32Array.from(rows);
  const columns: ExtensionColumn[] = batch.schema.fields.map((field, i) => {
    const vector = batch.getChildAt(i)!;
    if (canTakeRows(field.type)) return takeColumnRows({ field, vector } as ExtensionColumn, index);
    const taken = takeByBuilder(vector, rows, field);
    return { field, vector: new (vector.constructor as new (d: Data[]) => Vector)([taken]) } as ExtensionColumn;
  });
  return recordBatchFromColumns(columns, batch.schema.metadata);
}
