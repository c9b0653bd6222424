/**
 * The unit of work of async row operators: a contiguous range of rows of one input batch,
 * referenced (never copied) until a call gathers it. Fetch and UDFs use one-row ranges (a row
 * fails alone); inference uses ranges of many rows, so a micro-batch costs one `TypedArray.set`
 * per input and range instead of one JS object per row.
 */

import { Table, tableFromIPC, tableToIPC } from "apache-arrow";
import type { Codec } from "../async/async-types.js";
import type { Batch, Json } from "../api/stream.js";
import { fromBase64, toBase64 } from "../async/base64.js";

/** Rows `start … start + count - 1` of `batch`. */
export interface RowRange {
  readonly batch: Batch;
  readonly start: number;
  readonly count: number;
  /** Stream position of row `start` in the operator's input: keys rows when there is no key column. */
  readonly offset: number;
}

/** A range plus whether a call has taken it yet (for lining micro-batches up; see the operator). */
export class QueuedRange implements RowRange {
  /** Set once a call first carries this range. */
  sent = false;

  constructor(
    readonly batch: Batch,
    readonly start: number,
    readonly count: number,
    readonly offset: number,
  ) {}
}

/** The key of one row of a range: the key column's value, else its stream position. */
export function rowKey(range: RowRange, row: number, keyColumn: string | undefined): Json {
  if (keyColumn !== undefined) {
    const v = range.batch.getChild(keyColumn)?.get(row) as unknown;
    if (typeof v === "string" || typeof v === "number" || typeof v === "boolean") return v;
    if (typeof v === "bigint") return Number.isSafeInteger(Number(v)) ? Number(v) : v.toString();
    if (v !== null && v !== undefined) return String(v);
  }
  return range.offset + (row - range.start);
}

/**
 * Ranges in a checkpoint: the rows as a base64 Arrow IPC stream (every type and its extension
 * metadata survive) plus the stream offset, so restored rows keep their keys.
 */
export const rowRangeCodec: Codec<QueuedRange> = {
  encode(r) {
    const slice = r.start === 0 && r.count === r.batch.numRows ? r.batch : r.batch.slice(r.start, r.start + r.count);
    return { ipc: toBase64(tableToIPC(new Table([slice]), "stream")), offset: r.offset };
  },
  decode(json) {
    const o = typeof json === "object" && json !== null && !Array.isArray(json) ? json : {};
    if (typeof o.ipc !== "string" || typeof o.offset !== "number") throw new Error("a row range in a snapshot must be { ipc: base64, offset: number }");
    const batch = tableFromIPC(fromBase64(o.ipc)).batches[0];
    if (!batch || batch.numRows === 0) throw new Error("a row range in a snapshot must hold at least one row");
    return new QueuedRange(batch, 0, batch.numRows, o.offset);
  },
};

/** A whole batch in a checkpoint (output built but not yet emitted), as base64 Arrow IPC. */
export function encodeBatch(batch: Batch): string {
  return toBase64(tableToIPC(new Table([batch]), "stream"));
}

export function decodeBatch(b64: string): Batch {
  const batch = tableFromIPC(fromBase64(b64)).batches[0];
  if (!batch) throw new Error("an output batch in a snapshot holds no record batch");
  return batch;
}
