/**
 * Small, explicit constructors for the Arrow storage `Data` the extension types use. They wrap
 * the caller's typed arrays as they are (Arrow's makeData keeps a typed array of the right kind
 * without copying), which is what makes the Tensor → column direction zero-copy.
 */

import {
  Binary,
  FixedSizeList,
  Int32,
  Int64,
  List,
  Struct,
  Utf8,
  makeData,
  type Int,
  type Data,
  type DataType,
} from "apache-arrow";
import { arrowTypeFor, type ElementArrayFor, type ElementArrowType, type ElementType } from "./element-types.js";

/** A validity bitmap (LSB-first, Arrow layout) and its null count; no bitmap when all valid. */
export interface Validity {
  readonly nullBitmap: Uint8Array | undefined;
  readonly nullCount: number;
}

export const ALL_VALID: Validity = { nullBitmap: undefined, nullCount: 0 };

/** Validity from per-row flags (true = present). */
export function validityFromFlags(valid: ArrayLike<boolean>): Validity {
  const n = valid.length;
  let nullCount = 0;
  const bitmap = new Uint8Array(((n + 63) & ~63) >> 3);
  for (let i = 0; i < n; i++) {
    if (valid[i]) bitmap[i >> 3]! |= 1 << (i & 7);
    else nullCount++;
  }
  return nullCount === 0 ? ALL_VALID : { nullBitmap: bitmap, nullCount };
}

/** Validity of rows that are `null` / `undefined` in a list of row values. */
export function validityOfRows(rows: ArrayLike<unknown>): Validity {
  const flags = new Array<boolean>(rows.length);
  for (let i = 0; i < rows.length; i++) flags[i] = rows[i] !== null && rows[i] !== undefined;
  return validityFromFlags(flags);
}

/** A primitive numeric column over `values` (no copy). */
export function numericData<E extends ElementType>(dtype: E, values: ElementArrayFor<E>, validity: Validity = ALL_VALID): Data<ElementArrowType> {
  // makeData's overloads cannot pick Int vs Float from the union; each arm is the Int/Float case.
  const type = arrowTypeFor(dtype) as Int;
  return makeData({ type, length: values.length, data: values as Int["TArray"], ...validityProps(validity) }) as Data<ElementArrowType>;
}

export function int32Data(values: Int32Array, validity: Validity = ALL_VALID): Data<Int32> {
  return makeData({ type: new Int32(), length: values.length, data: values, ...validityProps(validity) });
}

/** An int64 column from numbers or bigints; null/undefined entries become nulls. */
export function int64Data(values: ReadonlyArray<number | bigint | null | undefined>): Data<Int64> {
  const data = new BigInt64Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v !== null && v !== undefined) data[i] = BigInt(v);
  }
  return makeData({ type: new Int64(), length: values.length, data, ...validityProps(validityOfRows(values)) });
}

const utf8 = new TextEncoder();

/** A Utf8 column; null/undefined entries become nulls. */
export function utf8Data(values: ReadonlyArray<string | null | undefined>): Data<Utf8> {
  const encoded = values.map((v) => (v === null || v === undefined ? new Uint8Array(0) : utf8.encode(v)));
  const { bytes, offsets } = concatBytes(encoded);
  return makeData({ type: new Utf8(), length: values.length, valueOffsets: offsets, data: bytes, ...validityProps(validityOfRows(values)) });
}

/** A Binary column over one contiguous byte buffer and its offsets (no copy). */
export function binaryData(bytes: Uint8Array, offsets: Int32Array, validity: Validity = ALL_VALID): Data<Binary> {
  return makeData({ type: new Binary(), length: offsets.length - 1, valueOffsets: offsets, data: bytes, ...validityProps(validity) });
}

export function fixedSizeListData<T extends DataType>(type: FixedSizeList<T>, length: number, child: Data<T>, validity: Validity = ALL_VALID): Data<FixedSizeList<T>> {
  return makeData({ type, length, child, ...validityProps(validity) });
}

export function listData<T extends DataType>(type: List<T>, offsets: Int32Array, child: Data<T>, validity: Validity = ALL_VALID): Data<List<T>> {
  return makeData({ type, length: offsets.length - 1, valueOffsets: offsets, child, ...validityProps(validity) });
}

export function structData(type: Struct, length: number, children: Data[], validity: Validity = ALL_VALID): Data<Struct> {
  return makeData({ type, length, children, ...validityProps(validity) });
}

/** Concatenates byte rows into one buffer with int32 offsets (the Binary/Utf8 layout). */
export function concatBytes(rows: ReadonlyArray<Uint8Array>): { bytes: Uint8Array; offsets: Int32Array } {
  const offsets = new Int32Array(rows.length + 1);
  let total = 0;
  for (let i = 0; i < rows.length; i++) {
    total += rows[i]!.byteLength;
    if (total > 0x7fffffff) throw new RangeError("concatBytes: more than 2 GiB in one column chunk; split the batch");
    offsets[i + 1] = total;
  }
  const bytes = new Uint8Array(total);
  for (let i = 0; i < rows.length; i++) bytes.set(rows[i]!, offsets[i]!);
  return { bytes, offsets };
}

function validityProps(v: Validity): { nullCount: number; nullBitmap?: Uint8Array } {
  return v.nullBitmap === undefined ? { nullCount: 0 } : { nullCount: v.nullCount, nullBitmap: v.nullBitmap };
}
