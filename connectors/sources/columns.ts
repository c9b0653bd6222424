/**
 * Plain Arrow columns the file sources emit (paths, sizes, raw bytes), built straight from JS
 * values. Multimodal columns come from runtime/types builders so their Fields carry the
 * extension metadata.
 */

import { Binary, Field, Int32, Int64, Utf8, makeData, makeVector } from "apache-arrow";
import type { ExtensionColumn } from "../../runtime/types/index.js";

/** A non-null Utf8 column. */
export function utf8Column(name: string, values: readonly string[]): ExtensionColumn<Utf8> {
  const encoder = new TextEncoder();
  const encoded = values.map((v) => encoder.encode(v));
  const { data, offsets } = concat(name, encoded);
  return { field: new Field(name, new Utf8(), false), vector: makeVector(makeData({ type: new Utf8(), length: values.length, valueOffsets: offsets, data, nullCount: 0 })) };
}

/** A non-null Int64 column from safe integers. */
export function int64Column(name: string, values: readonly number[]): ExtensionColumn<Int64> {
  const data = BigInt64Array.from(values, (v) => BigInt(v));
  return { field: new Field(name, new Int64(), false), vector: makeVector(makeData({ type: new Int64(), length: values.length, data, nullCount: 0 })) };
}

/** A non-null Int32 column. */
export function int32Column(name: string, values: readonly number[]): ExtensionColumn<Int32> {
  return { field: new Field(name, new Int32(), false), vector: makeVector(makeData({ type: new Int32(), length: values.length, data: Int32Array.from(values), nullCount: 0 })) };
}

/** A non-null Binary column (the rows are copied into one buffer). */
export function binaryColumn(name: string, rows: readonly Uint8Array[]): ExtensionColumn<Binary> {
  const { data, offsets } = concat(name, rows);
  return { field: new Field(name, new Binary(), false), vector: makeVector(makeData({ type: new Binary(), length: rows.length, valueOffsets: offsets, data, nullCount: 0 })) };
}

/** Binary and Utf8 offsets are int32: one batch column holds at most 2 GiB − 1 bytes. */
export const MAX_COLUMN_BYTES = 0x7fffffff;

function concat(name: string, rows: readonly Uint8Array[]): { data: Uint8Array; offsets: Int32Array } {
  let total = 0;
  for (const r of rows) total += r.byteLength;
  if (total > MAX_COLUMN_BYTES) throw new RangeError(`column '${name}': ${total} bytes exceed the 2 GiB limit of one Arrow batch column`);
  const data = new Uint8Array(total);
  const offsets = new Int32Array(rows.length + 1);
  let at = 0;
  rows.forEach((r, i) => {
    data.set(r, at);
    at += r.byteLength;
    offsets[i + 1] = at;
  });
  return { data, offsets };
}
