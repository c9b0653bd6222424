/**
 * Assembling record batches and tables from columns whose Fields carry extension metadata.
 * Arrow's own conveniences (`new RecordBatch({a: data})`, `tableFromArrays`) invent fresh Fields
 * and drop that metadata, so batches with multimodal columns are built from our Fields here.
 * Nothing is copied: chunks are re-sliced, never concatenated.
 */

import { RecordBatch, Schema, Struct, Table, makeData, type Data, type Field } from "apache-arrow";
import { requireVectorMatchesField, type ExtensionColumn } from "./extension-field.js";
import { TypeMismatchError } from "./type-errors.js";

/** A batch or a table: anything with a schema and named columns. */
export type ColumnSource = RecordBatch | Table;

/** The column `name` of a batch or table with its Field (and so its extension metadata). */
export function columnOf(source: ColumnSource, name: string): ExtensionColumn {
  const index = source.schema.fields.findIndex((f) => f.name === name);
  if (index < 0) {
    const names = source.schema.fields.map((f) => f.name).join(", ");
    throw new TypeMismatchError(name, "column lookup", `a column named '${name}'`, `columns [${names}]`);
  }
  const vector = source.getChildAt(index);
  // getChildAt only returns null for an index out of range, which findIndex rules out.
  return { field: source.schema.fields[index]!, vector: vector! };
}

/** All columns of a batch or table, in schema order. */
export function columnsOf(source: ColumnSource): ExtensionColumn[] {
  return source.schema.fields.map((field, i) => ({ field, vector: source.getChildAt(i)! }));
}

/**
 * One RecordBatch from columns of equal length, each a single chunk (what builders return).
 * Use `tableFromColumns` for multi-chunk columns.
 */
export function recordBatchFromColumns(columns: readonly ExtensionColumn[], metadata?: ReadonlyMap<string, string>): RecordBatch {
  const length = checkColumns(columns);
  const children = columns.map(({ field, vector }) => {
    const chunks = vector.data.filter((d) => d.length > 0);
    if (chunks.length > 1) {
      throw new TypeMismatchError(field.name, "chunks for a single RecordBatch", "1", `${chunks.length} (use tableFromColumns)`);
    }
    // A zero-row vector may have no chunk at all; Arrow fills in an empty one of the type.
    return chunks[0] ?? vector.data[0] ?? makeData({ type: field.type, length: 0, nullCount: 0 });
  });
  return batchOf(schemaOf(columns, metadata), children, length);
}

/**
 * A Table from columns of equal length with any chunking: batches are cut wherever any column
 * has a chunk boundary, by zero-copy slicing.
 */
export function tableFromColumns(columns: readonly ExtensionColumn[], metadata?: ReadonlyMap<string, string>): Table {
  const length = checkColumns(columns);
  const schema = schemaOf(columns, metadata);
  const cuts = new Set<number>([0, length]);
  for (const { vector } of columns) {
    let at = 0;
    for (const d of vector.data) cuts.add((at += d.length));
  }
  const bounds = [...cuts].sort((a, b) => a - b);
  const cursors = columns.map(() => ({ chunk: 0, start: 0 }));
  const batches: RecordBatch[] = [];
  for (let s = 0; s + 1 < bounds.length; s++) {
    const lo = bounds[s]!, hi = bounds[s + 1]!;
    const children = columns.map(({ vector }, c) => {
      const cur = cursors[c]!;
      // Advance past chunks that end at or before lo (including empty ones).
      while (cur.start + vector.data[cur.chunk]!.length <= lo) cur.start += vector.data[cur.chunk++]!.length;
      const d = vector.data[cur.chunk]!;
      const off = lo - cur.start;
      return off === 0 && d.length === hi - lo ? d : d.slice(off, hi - lo);
    });
    batches.push(batchOf(schema, children, hi - lo));
  }
  return new Table(schema, batches);
}

/**
 * The batch or table with `column` added, or replacing the column of the same name in place.
 * Existing columns keep their Fields (and metadata); the source is not modified.
 */
export function withColumn(source: RecordBatch, column: ExtensionColumn): RecordBatch;
export function withColumn(source: Table, column: ExtensionColumn): Table;
export function withColumn(source: ColumnSource, column: ExtensionColumn): ColumnSource {
  const cols = columnsOf(source);
  const i = cols.findIndex((c) => c.field.name === column.field.name);
  if (i >= 0) cols[i] = column;
  else cols.push(column);
  const metadata = source.schema.metadata;
  return source instanceof RecordBatch ? recordBatchFromColumns(cols, metadata) : tableFromColumns(cols, metadata);
}

/** A Schema over the columns' own Fields. */
export function schemaOf(columns: readonly ExtensionColumn[], metadata?: ReadonlyMap<string, string>): Schema {
  return new Schema(
    columns.map((c) => c.field as Field),
    metadata === undefined ? undefined : new Map(metadata),
  );
}

function checkColumns(columns: readonly ExtensionColumn[]): number {
  const seen = new Set<string>();
  let length = -1;
  for (const c of columns) {
    requireVectorMatchesField(c);
    if (seen.has(c.field.name)) throw new TypeMismatchError(c.field.name, "column names", "unique names", "a duplicate");
    seen.add(c.field.name);
    if (length < 0) length = c.vector.length;
    else if (c.vector.length !== length) {
      throw new TypeMismatchError(c.field.name, "row count", `${length} (as the columns before it)`, String(c.vector.length));
    }
  }
  return Math.max(length, 0);
}

function batchOf(schema: Schema, children: Data[], length: number): RecordBatch {
  const data = makeData({ type: new Struct(schema.fields), length, children, nullCount: 0 });
  return new RecordBatch(schema, data);
}
