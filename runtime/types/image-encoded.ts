/**
 * Encoded `sluice.image` columns: file bytes (JPEG, PNG, …) in a Binary column. Rows are views
 * into the column's byte buffer; decoding is an operator's job (runtime/functions), not a type's.
 */

import { makeVector, type Binary, type Data, type Field } from "apache-arrow";
import { chunkRow, isRowValid } from "./column-chunks.js";
import { asElementArray } from "./element-types.js";
import { requireVectorMatchesField, type ExtensionColumn } from "./extension-field.js";
import { detectImageFormat, type ImageFormat } from "./image-format.js";
import { imageField, imageInfo } from "./image.js";
import { binaryData, concatBytes, validityOfRows } from "./storage-data.js";
import { TypeMismatchError } from "./type-errors.js";

/** One encoded image: its bytes (a view into the column) and its format, when known. */
export interface EncodedImage {
  readonly bytes: Uint8Array;
  /** The column's declared format, else the one detected from the bytes, else undefined. */
  readonly format: ImageFormat | undefined;
}

export type EncodedImageColumn = ExtensionColumn<Binary>;

export interface EncodedImageOptions {
  /** The one format of every row; leave out for columns of mixed formats. */
  readonly format?: ImageFormat;
  /**
   * Check each row's magic bytes against `format` (default true). Off for formats whose
   * signature sluice does not know, or for trusted producers on a hot path.
   */
  readonly verify?: boolean;
  readonly nullable?: boolean;
}

/** Builds an encoded image column (null/undefined rows are nulls); copies the bytes into one buffer. */
export function encodedImageColumn(
  name: string,
  rows: ReadonlyArray<Uint8Array | null | undefined>,
  options: EncodedImageOptions = {},
): EncodedImageColumn {
  const field = imageField(name, options.format === undefined ? { encoded: true } : { encoded: true, format: options.format }, options.nullable ?? true) as Field<Binary>;
  const bytesRows = rows.map((r, i) => {
    if (r === null || r === undefined) return new Uint8Array(0);
    const bytes = asElementArray("u8", r, name);
    if (options.format !== undefined && (options.verify ?? true)) {
      const found = detectImageFormat(bytes);
      if (found !== options.format) {
        throw new TypeMismatchError(name, `row ${i} image format`, options.format, found ?? `unrecognised bytes (${bytes.length} bytes)`);
      }
    }
    return bytes;
  });
  const { bytes, offsets } = concatBytes(bytesRows);
  return { field, vector: makeVector(binaryData(bytes, offsets, validityOfRows(rows))) };
}

/** Row `row`'s bytes (no copy) and format, or null for a null row. */
export function encodedImageAt(column: ExtensionColumn, row: number): EncodedImage | null {
  const declared = requireEncoded(column);
  const { data, index } = chunkRow(column.vector, row, column.field.name);
  return encodedOf(data as Data<Binary>, index, declared);
}

/** All rows (nulls as null). */
export function encodedImages(column: ExtensionColumn): (EncodedImage | null)[] {
  const declared = requireEncoded(column);
  const out: (EncodedImage | null)[] = [];
  for (const data of column.vector.data) for (let i = 0; i < data.length; i++) out.push(encodedOf(data as Data<Binary>, i, declared));
  return out;
}

function requireEncoded(column: ExtensionColumn): ImageFormat | undefined {
  const info = imageInfo(column.field);
  if (!info.encoded) throw new TypeMismatchError(column.field.name, "image storage", "encoded images", "decoded images");
  requireVectorMatchesField(column);
  return info.format;
}

function encodedOf(data: Data<Binary>, index: number, declared: ImageFormat | undefined): EncodedImage | null {
  if (!isRowValid(data, index)) return null;
  const offsets = data.valueOffsets as Int32Array;
  const bytes = (data.values as Uint8Array).subarray(offsets[index]!, offsets[index + 1]!);
  return { bytes, format: declared ?? detectImageFormat(bytes) };
}
