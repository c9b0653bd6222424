/**
 * `sluice.image`: one image per row, in one of two storages chosen by the metadata.
 *
 * - Decoded, `{"encoded":false}`: Struct<data: Binary, width: Int32, height: Int32,
 *   channels: Int32, mode: Utf8>. `data` holds height × width × channels u8 samples, interleaved
 *   (HWC), row-major, top row first; `mode` is one of L, LA, RGB, RGBA, BGR, BGRA and fixes
 *   `channels`. Binary (not List<uint8>) keeps each image one contiguous byte range, so a row is
 *   a subarray and a column of equal-sized images is one [rows, h, w, c] tensor.
 * - Encoded, `{"encoded":true,"format":"jpeg"}`: Binary holding the file bytes. `format` is
 *   optional: without it rows may mix formats and readers detect each from its magic bytes.
 *
 * This file holds the metadata and storage rules; builders and views are in image-decoded.ts and
 * image-encoded.ts.
 */

import { Binary, DataType, Field, Int32, Struct, Utf8 } from "apache-arrow";
import { IMAGE, cachedFieldInfo, extensionField, extensionNameOf, readMetadataObject, requireExtension } from "./extension-field.js";
import { IMAGE_FORMATS, isImageFormat, type ImageFormat } from "./image-format.js";
import { ExtensionMetadataError, TypeMismatchError, describeValue } from "./type-errors.js";

/** The parameters of a `sluice.image` column. */
export type ImageParams = { readonly encoded: false } | { readonly encoded: true; readonly format?: ImageFormat };

/** Child fields of the decoded storage, in order. */
export const DECODED_IMAGE_CHILDREN = ["data", "width", "height", "channels", "mode"] as const;

/** The decoded-image storage type. */
/** Storage of a decoded image column. */
export type DecodedImageStorage = Struct<{ data: Binary; width: Int32; height: Int32; channels: Int32; mode: Utf8 }>;

export function decodedImageStorage(): DecodedImageStorage {
  return new Struct<{ data: Binary; width: Int32; height: Int32; channels: Int32; mode: Utf8 }>([
    new Field("data", new Binary(), false),
    new Field("width", new Int32(), false),
    new Field("height", new Int32(), false),
    new Field("channels", new Int32(), false),
    new Field("mode", new Utf8(), false),
  ]);
}

/** An image Field (no values) for either storage. */
export function imageField(name: string, params: ImageParams, nullable = true): Field<DecodedImageStorage | Binary> {
  if (params.encoded) {
    if (params.format !== undefined && !isImageFormat(params.format)) {
      throw new ExtensionMetadataError(name, IMAGE, `"format" one of ${IMAGE_FORMATS.join(", ")}`, describeValue(params.format));
    }
    const json = JSON.stringify(params.format === undefined ? { encoded: true } : { encoded: true, format: params.format });
    return extensionField(name, new Binary(), IMAGE, json, nullable);
  }
  return extensionField(name, decodedImageStorage(), IMAGE, JSON.stringify({ encoded: false }), nullable);
}

/** Whether a field is tagged `sluice.image` (metadata not validated). */
export function isImageField(field: Field<DataType>): boolean {
  return extensionNameOf(field) === IMAGE;
}

/** Reads and validates an image field's metadata and checks the storage matches it. */
export function imageInfo(field: Field<DataType>): ImageParams {
  return cachedFieldInfo(field, readImageInfo);
}

function readImageInfo(field: Field<DataType>): ImageParams {
  requireExtension(field, IMAGE);
  const o = readMetadataObject(field, IMAGE, false);
  if (typeof o["encoded"] !== "boolean") {
    throw new ExtensionMetadataError(field.name, IMAGE, `"encoded" as a boolean`, describeValue(o["encoded"] ?? null));
  }
  const type: DataType = field.type;
  if (o["encoded"]) {
    const format = o["format"];
    if (format !== undefined && !isImageFormat(format)) {
      throw new ExtensionMetadataError(field.name, IMAGE, `"format" one of ${IMAGE_FORMATS.join(", ")}`, describeValue(format));
    }
    if (!DataType.isBinary(type)) throw new TypeMismatchError(field.name, "storage type for an encoded image", "Binary", String(type));
    return format === undefined ? { encoded: true } : { encoded: true, format };
  }
  checkDecodedStorage(field.name, type);
  return { encoded: false };
}

function checkDecodedStorage(column: string, type: DataType): void {
  const expected = "Struct<data: Binary, width: Int32, height: Int32, channels: Int32, mode: Utf8>";
  if (!DataType.isStruct(type)) throw new TypeMismatchError(column, "storage type for a decoded image", expected, String(type));
  const names = type.children.map((f) => f.name);
  if (names.length !== DECODED_IMAGE_CHILDREN.length || names.some((n, i) => n !== DECODED_IMAGE_CHILDREN[i])) {
    throw new TypeMismatchError(column, "decoded image child names", `[${DECODED_IMAGE_CHILDREN.join(", ")}]`, `[${names.join(", ")}]`);
  }
  const [data, width, height, channels, mode] = type.children.map((f) => f.type as DataType) as [DataType, DataType, DataType, DataType, DataType];
  const isI32 = (t: DataType): boolean => DataType.isInt(t) && t.bitWidth === 32 && t.isSigned;
  if (!DataType.isBinary(data) || !isI32(width) || !isI32(height) || !isI32(channels) || !DataType.isUtf8(mode)) {
    throw new TypeMismatchError(column, "storage type for a decoded image", expected, String(type));
  }
}
