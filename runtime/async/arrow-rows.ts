/**
 * The async engine over Arrow batches. The unit of work is one row, referenced (never copied)
 * as `{ batch, row }`; a micro-batch reaches the user function as zero-copy slices of the input
 * batches, usually one slice because micro-batches are cut from consecutive rows. The function
 * returns one output per row; the operator joins outputs to input rows when it builds the
 * output batch (results carry their `ArrowRow`).
 */

import { DataType, Table, tableFromIPC, tableToIPC, type Data } from "apache-arrow";
import type { Batch, Json } from "../api/stream.js";
import type { AsyncItem, Codec, InvokeContext, InvokeFn, ItemFailure } from "./async-types.js";
import { fromBase64, toBase64 } from "./base64.js";

/** One row of an Arrow batch. */
export interface ArrowRow {
  readonly batch: Batch;
  readonly row: number;
}

export interface ArrowRowItemsOptions {
  /** Column whose value keys each row (dead letters, errors); else `firstKey + row`. */
  keyColumn?: string;
  /** Key of the batch's row 0 when there is no key column, e.g. its source row offset. */
  firstKey?: number;
}

/** One item per row of `batch`, with an estimated byte size for `batch.maxBytes`. */
export function arrowRowItems(batch: Batch, options: ArrowRowItemsOptions = {}): AsyncItem<ArrowRow>[] {
  const keys = options.keyColumn === undefined ? undefined : batch.getChild(options.keyColumn);
  if (options.keyColumn !== undefined && !keys) {
    throw new Error(`key column '${options.keyColumn}' is not in the batch`);
  }
  const first = options.firstKey ?? 0;
  const bytes = rowByteSizes(batch);
  const items: AsyncItem<ArrowRow>[] = new Array(batch.numRows);
  for (let row = 0; row < batch.numRows; row++) {
    items[row] = { key: keys ? jsonKey(keys.get(row)) : first + row, value: { batch, row }, bytes: bytes[row]! };
  }
  return items;
}

/** The rows as the fewest zero-copy slices: consecutive rows of one batch share a slice. */
export function contiguousSlices(rows: readonly ArrowRow[]): Batch[] {
  const slices: Batch[] = [];
  let i = 0;
  while (i < rows.length) {
    const { batch, row } = rows[i]!;
    let end = i + 1;
    while (end < rows.length && rows[end]!.batch === batch && rows[end]!.row === row + (end - i)) end++;
    slices.push(row === 0 && end - i === batch.numRows ? batch : batch.slice(row, row + (end - i)));
    i = end;
  }
  return slices;
}

/**
 * Adapts a function over Arrow slices (`invoke(batches) → one output per row, in row order`)
 * to the engine's `InvokeFn` over rows.
 */
export function arrowBatchFn<Out>(
  fn: (slices: readonly Batch[], ctx: InvokeContext) => Promise<readonly (Out | ItemFailure)[]> | readonly (Out | ItemFailure)[],
): InvokeFn<ArrowRow, Out> {
  return (rows, ctx) => fn(contiguousSlices(rows), ctx);
}

/**
 * Rows in a checkpoint: a one-row Arrow IPC stream in base64, so every type and its extension
 * metadata survive. Pending requests are few (bounded by capacity), so the per-row schema
 * header is an acceptable cost.
 */
export const arrowRowCodec: Codec<ArrowRow> = {
  encode({ batch, row }) {
    return { ipc: toBase64(tableToIPC(new Table([batch.slice(row, row + 1)]), "stream")) };
  },
  decode(json) {
    const ipc = typeof json === "object" && json !== null && !Array.isArray(json) ? json.ipc : undefined;
    if (typeof ipc !== "string") throw new Error("an Arrow row in a snapshot must be { ipc: base64 }");
    const batch = tableFromIPC(fromBase64(ipc)).batches[0];
    if (!batch || batch.numRows !== 1) throw new Error("an Arrow row in a snapshot must hold exactly one row");
    return { batch, row: 0 };
  },
};

/** Estimated bytes of each row: exact for variable-width columns, the type's width otherwise. */
export function rowByteSizes(batch: Batch): Float64Array {
  const sizes = new Float64Array(batch.numRows);
  for (let c = 0; c < batch.numCols; c++) {
    const data = batch.getChildAt(c)?.data[0];
    if (!data) continue;
    for (let row = 0; row < batch.numRows; row++) sizes[row] = sizes[row]! + rowBytes(data, row);
  }
  return sizes;
}

function rowBytes(d: Data, i: number): number {
  const t = d.type;
  if (DataType.isStruct(t)) {
    let sum = 0;
    for (const child of d.children) sum += rowBytes(child, i);
    return sum;
  }
  if (DataType.isFixedSizeList(t)) {
    const child = d.children[0];
    return child ? t.listSize * averageBytes(child) : 0;
  }
  const offsets = d.valueOffsets as ArrayLike<number | bigint> | undefined;
  if (offsets && offsets.length > 0) {
    // apache-arrow slices the offsets buffer with the data, so row i's offsets are at i, i+1.
    const span = Number(offsets[i + 1]!) - Number(offsets[i]!);
    const child = d.children[0];
    const unit = child ? averageBytes(child) : (d.values as ArrayLike<number> & { BYTES_PER_ELEMENT?: number })?.BYTES_PER_ELEMENT ?? 1;
    return span * unit;
  }
  return fixedWidth(d);
}

function fixedWidth(d: Data): number {
  if (DataType.isBool(t(d))) return 0.125;
  const values = d.values as { BYTES_PER_ELEMENT?: number } | undefined;
  return values?.BYTES_PER_ELEMENT ? values.BYTES_PER_ELEMENT * (d.stride || 1) : 0;
}

function averageBytes(d: Data): number {
  if (DataType.isStruct(t(d)) || DataType.isFixedSizeList(t(d)) || d.valueOffsets) {
    return d.length > 0 ? d.byteLength / d.length : 0;
  }
  return fixedWidth(d);
}

function t(d: Data): DataType {
  return d.type;
}

function jsonKey(v: unknown): Json {
  if (v === null || v === undefined) return null;
  if (typeof v === "bigint") return Number.isSafeInteger(Number(v)) ? Number(v) : v.toString();
  if (typeof v === "number" || typeof v === "string" || typeof v === "boolean") return v;
  return String(v);
}
