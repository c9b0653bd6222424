/**
 * Gathers rows of an Arrow column by index — `take` in Arrow compute terms — for steps whose
 * output rows are not their input rows: a chunker repeats a document's other columns once per
 * chunk, and a step that dead-letters records drops their rows from every passed-through column.
 * apache-arrow JS has no `take`, and rebuilding through builders would lose extension metadata
 * and box every value, so this copies buffers per layout and keeps each column's Field as is.
 */

import { DataType, Type, makeData, makeVector, type Data, type Vector } from "apache-arrow";
import type { ExtensionColumn } from "./extension-field.js";

/** Whether `takeRows` can gather a column of this type (checked at plan time). */
export function canTakeRows(type: DataType): boolean {
  switch (type.typeId) {
    case Type.Null:
    case Type.Int:
    case Type.Float:
    case Type.Bool:
    case Type.Decimal:
    case Type.Date:
    case Type.Time:
    case Type.Timestamp:
    case Type.Interval:
    case Type.Duration:
    case Type.FixedSizeBinary:
    case Type.Utf8:
    case Type.Binary:
    case Type.LargeUtf8:
    case Type.LargeBinary:
      return true;
    case Type.List:
    case Type.LargeList:
    case Type.Map:
    case Type.FixedSizeList:
    case Type.Struct:
      return type.children.every((c) => canTakeRows(c.type));
    case Type.Dictionary:
      return true;
    default:
      return false;
  }
}

/** The column's rows `rows[0], rows[1], …` (repeats allowed), with the column's own Field. */
export function takeColumnRows(column: ExtensionColumn, rows: Int32Array): ExtensionColumn {
  const chunks = column.vector.data.filter((d) => d.length > 0);
  // Record batches hold one chunk per column; Tables are cut into batches before they get here.
  if (chunks.length > 1) throw new TypeError(`column '${column.field.name}' has ${chunks.length} chunks; gather rows from one record batch`);
  const data = chunks[0] ?? column.vector.data[0] ?? makeData({ type: column.field.type, length: 0 } as never);
  return { field: column.field, vector: makeVector(takeData(data, rows)) as Vector };
}

/** Rows of one Data chunk by index into it. */
export function takeData(data: Data, rows: Int32Array): Data {
  const n = rows.length;
  const { nullBitmap, nullCount } = validityOf(data, rows);
  const type = data.type as DataType;
  switch (data.typeId) {
    case Type.Null:
      return makeData({ type, length: n, nullCount: n } as never);
    case Type.Bool: {
      const out = new Uint8Array((n + 7) >> 3);
      const src = data.values as Uint8Array;
      for (let i = 0; i < n; i++) {
        const bit = data.offset + rows[i]!;
        if (src[bit >> 3]! & (1 << (bit & 7))) out[i >> 3] = out[i >> 3]! | (1 << (i & 7));
      }
      return makeData({ type, length: n, nullCount, nullBitmap, data: out } as never);
    }
    case Type.Utf8:
    case Type.Binary:
    case Type.LargeUtf8:
    case Type.LargeBinary:
      return takeVarBinary(data, rows, nullBitmap, nullCount);
    case Type.List:
    case Type.LargeList:
    case Type.Map: {
      const offsets = data.valueOffsets as Int32Array | BigInt64Array;
      const outOffsets = new (offsets.constructor as Int32ArrayConstructor)(n + 1) as Int32Array | BigInt64Array;
      const childRows: number[] = [];
      for (let i = 0; i < n; i++) {
        const r = rows[i]!;
        const start = Number(offsets[r]!), end = Number(offsets[r + 1]!);
        for (let j = start; j < end; j++) childRows.push(j);
        setOffset(outOffsets, i + 1, childRows.length);
      }
      const child = takeData(data.children[0]!, Int32Array.from(childRows));
      return makeData({ type, length: n, nullCount, nullBitmap, valueOffsets: outOffsets, child } as never);
    }
    case Type.FixedSizeList: {
      const size = data.stride;
      const childRows = new Int32Array(n * size);
      for (let i = 0; i < n; i++) for (let j = 0; j < size; j++) childRows[i * size + j] = rows[i]! * size + j;
      return makeData({ type, length: n, nullCount, nullBitmap, child: takeData(data.children[0]!, childRows) } as never);
    }
    case Type.Struct:
      return makeData({ type, length: n, nullCount, nullBitmap, children: data.children.map((c) => takeData(c, rows)) } as never);
    case Type.Dictionary:
      return makeData({ type, length: n, nullCount, nullBitmap, data: takeFixed(data, rows), dictionary: data.dictionary } as never);
    default:
      if (!canTakeRows(type)) throw new TypeError(`cannot gather rows of Arrow type ${String(type)}`);
      return makeData({ type, length: n, nullCount, nullBitmap, data: takeFixed(data, rows) } as never);
  }
}

/** Fixed-width values: `values` starts at the chunk's first row (Arrow JS subarrays on slice). */
function takeFixed(data: Data, rows: Int32Array): ArrayBufferView {
  const src = data.values as unknown as { constructor: new (n: number) => ArrayLike<unknown> & { [i: number]: unknown } } & ArrayLike<unknown>;
  const stride = data.stride;
  const out = new src.constructor(rows.length * stride);
  for (let i = 0; i < rows.length; i++) {
    const from = rows[i]! * stride;
    for (let j = 0; j < stride; j++) out[i * stride + j] = src[from + j];
  }
  return out as unknown as ArrayBufferView;
}

function takeVarBinary(data: Data, rows: Int32Array, nullBitmap: Uint8Array | undefined, nullCount: number): Data {
  const offsets = data.valueOffsets as Int32Array | BigInt64Array;
  const bytes = data.values as Uint8Array;
  let total = 0;
  for (const r of rows) total += Number(offsets[r + 1]!) - Number(offsets[r]!);
  const out = new Uint8Array(total);
  const outOffsets = new (offsets.constructor as Int32ArrayConstructor)(rows.length + 1) as Int32Array | BigInt64Array;
  let at = 0;
  rows.forEach((r, i) => {
    const start = Number(offsets[r]!), end = Number(offsets[r + 1]!);
    out.set(bytes.subarray(start, end), at);
    at += end - start;
    setOffset(outOffsets, i + 1, at);
  });
  return makeData({ type: data.type, length: rows.length, nullCount, nullBitmap, valueOffsets: outOffsets, data: out } as never);
}

function setOffset(offsets: Int32Array | BigInt64Array, i: number, v: number): void {
  if (offsets instanceof BigInt64Array) offsets[i] = BigInt(v);
  else offsets[i] = v;
}

function validityOf(data: Data, rows: Int32Array): { nullBitmap: Uint8Array | undefined; nullCount: number } {
  if (data.nullCount === 0 || data.typeId === Type.Null) return { nullBitmap: undefined, nullCount: 0 };
  const bitmap = new Uint8Array((rows.length + 7) >> 3);
  let nulls = 0;
  rows.forEach((r, i) => {
    if (data.getValid(r)) bitmap[i >> 3] = bitmap[i >> 3]! | (1 << (i & 7));
    else nulls++;
  });
  return nulls === 0 ? { nullBitmap: undefined, nullCount: 0 } : { nullBitmap: bitmap, nullCount: nulls };
}
