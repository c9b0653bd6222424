/**
 * Decoded `sluice.image` columns: builders from pixel buffers or a [n, h, w, c] u8 tensor, and
 * views back — one image per row as a subarray of the column's byte buffer, or, for a column of
 * equal-sized images, the whole column as one tensor without copying.
 */

import { makeVector, type Binary, type Data, type Field } from "apache-arrow";
import type { Tensor } from "../../kernels/tensor.js";
import { chunkRow, chunksForView, isRowValid } from "./column-chunks.js";
import { asElementArray } from "./element-types.js";
import { requireVectorMatchesField, type ExtensionColumn } from "./extension-field.js";
import { IMAGE_MODE_CHANNELS, isImageMode, type ImageMode } from "./image-format.js";
import { imageField, imageInfo, type DecodedImageStorage } from "./image.js";
import { ALL_VALID, binaryData, concatBytes, int32Data, structData, utf8Data, validityFromFlags, validityOfRows } from "./storage-data.js";
import { TypeMismatchError, describeValue } from "./type-errors.js";

/** One decoded image. `data` is height × width × channels bytes, HWC, row-major. */
export interface DecodedImage {
  readonly width: number;
  readonly height: number;
  readonly channels: number;
  readonly mode: ImageMode;
  readonly data: Uint8Array;
}

/** Input to the builder: `channels` may be left to the mode. */
export type DecodedImageInput = Omit<DecodedImage, "channels" | "data"> & { readonly channels?: number; readonly data: Uint8Array | Uint8ClampedArray };

export type DecodedImageColumn = ExtensionColumn<DecodedImageStorage>;

export interface DecodedImageOptions {
  readonly nullable?: boolean;
}

/** Builds a decoded image column (null/undefined rows are nulls); copies pixels into one buffer. */
export function decodedImageColumn(
  name: string,
  images: ReadonlyArray<DecodedImageInput | null | undefined>,
  options: DecodedImageOptions = {},
): DecodedImageColumn {
  const checked = images.map((img, i) => (img === null || img === undefined ? undefined : checkImage(name, `row ${i}`, img)));
  const { bytes, offsets } = concatBytes(checked.map((img) => img?.data ?? new Uint8Array(0)));
  return assemble(name, bytes, offsets, checked, validityOfRows(images), options);
}

/**
 * Wraps a u8 tensor [n, height, width, channels] as n images of one `mode` without copying: the
 * column's byte buffer is `t.data`. `valid` marks rows present (absent rows become nulls).
 */
export function decodedImageColumnFromTensor(
  name: string,
  t: Tensor<"u8">,
  mode: ImageMode,
  options: DecodedImageOptions & { readonly valid?: ArrayLike<boolean> } = {},
): DecodedImageColumn {
  if (t.shape.length !== 4) throw new TypeMismatchError(name, "image tensor shape", "[n, height, width, channels]", `[${t.shape.join(",")}]`);
  const [n, height, width, channels] = t.shape as [number, number, number, number];
  const frame = height * width * channels;
  const img = checkImage(name, "tensor", { width, height, channels, mode, data: asElementArray("u8", t.data, name).subarray(0, frame) });
  const data = asElementArray("u8", t.data, name);
  if (data.length !== n * frame) throw new TypeMismatchError(name, "image tensor data length", String(n * frame), String(data.length));
  if (options.valid !== undefined && options.valid.length !== n) throw new TypeMismatchError(name, "validity length", String(n), String(options.valid.length));
  const offsets = Int32Array.from({ length: n + 1 }, (_, i) => i * frame);
  const validity = options.valid === undefined ? ALL_VALID : validityFromFlags(options.valid);
  return assemble(name, data, offsets, new Array<DecodedImage>(n).fill(img), validity, options);
}

/** Row `row` as an image whose `data` aliases the column buffer, or null for a null row. */
export function decodedImageAt(column: ExtensionColumn, row: number): DecodedImage | null {
  requireDecoded(column);
  const { data, index } = chunkRow(column.vector, row, column.field.name);
  return imageOf(column.field.name, data, index, row);
}

/** All rows as images (nulls as null). */
export function decodedImages(column: ExtensionColumn): (DecodedImage | null)[] {
  requireDecoded(column);
  const out: (DecodedImage | null)[] = [];
  for (const data of column.vector.data) for (let i = 0; i < data.length; i++) out.push(imageOf(column.field.name, data, i, out.length));
  return out;
}

/** One image as a u8 tensor [height, width, channels] over the same bytes. */
export function imageTensor(img: DecodedImage): Tensor<"u8"> {
  return { dtype: "u8", shape: [img.height, img.width, img.channels], data: img.data };
}

/**
 * The column as one u8 tensor [rows, height, width, channels]. Every row must be present and of
 * one size and mode. Zero-copy for a single chunk whose images lie back to back (always so for
 * columns our builders or Arrow IPC produce); otherwise copied, or refused with requireZeroCopy.
 */
export function decodedImagesTensor(column: ExtensionColumn, options: { readonly requireZeroCopy?: boolean } = {}): Tensor<"u8"> & { readonly mode: ImageMode | undefined } {
  requireDecoded(column);
  const name = column.field.name;
  const rows = decodedImages(column);
  if (rows.length === 0) return { dtype: "u8", shape: [0, 0, 0, 0], data: new Uint8Array(0), mode: undefined };
  const images = rows.map((img, i) => {
    if (img === null) throw new TypeMismatchError(name, "rows for a batch tensor", "no null rows", `row ${i} is null`);
    return img;
  });
  const first = images[0]!;
  images.forEach((img, i) => {
    if (img.width !== first.width || img.height !== first.height || img.mode !== first.mode) {
      throw new TypeMismatchError(name, "image size for a batch tensor", `${first.width}x${first.height} ${first.mode} (as row 0)`, `${img.width}x${img.height} ${img.mode} at row ${i}`);
    }
  });
  const shape = [images.length, first.height, first.width, first.channels];
  const frame = first.data.length;
  const chunks = chunksForView(column.vector, name, options.requireZeroCopy ?? false);
  const contiguous =
    chunks.length === 1 && images.every((img, i) => img.data.buffer === first.data.buffer && img.data.byteOffset === first.data.byteOffset + i * frame);
  if (contiguous) return { dtype: "u8", shape, data: new Uint8Array(first.data.buffer, first.data.byteOffset, images.length * frame), mode: first.mode };
  if (options.requireZeroCopy) throw new TypeMismatchError(name, "layout for a zero-copy view", "images back to back in one buffer", "gaps or reordering");
  const data = new Uint8Array(images.length * frame);
  images.forEach((img, i) => data.set(img.data, i * frame));
  return { dtype: "u8", shape, data, mode: first.mode };
}

function requireDecoded(column: ExtensionColumn): void {
  const info = imageInfo(column.field);
  if (info.encoded) throw new TypeMismatchError(column.field.name, "image storage", "decoded images", "encoded images");
  requireVectorMatchesField(column);
}

function assemble(
  name: string,
  bytes: Uint8Array,
  offsets: Int32Array,
  images: ReadonlyArray<DecodedImage | undefined>,
  validity: ReturnType<typeof validityOfRows>,
  options: DecodedImageOptions,
): DecodedImageColumn {
  const field = imageField(name, { encoded: false }, options.nullable ?? true) as Field<DecodedImageStorage>;
  const n = images.length;
  const ints = (pick: (img: DecodedImage) => number): Int32Array => Int32Array.from(images, (img) => (img === undefined ? 0 : pick(img)));
  const children: Data[] = [
    binaryData(bytes, offsets),
    int32Data(ints((i) => i.width)),
    int32Data(ints((i) => i.height)),
    int32Data(ints((i) => i.channels)),
    utf8Data(images.map((img) => img?.mode ?? "")),
  ];
  return { field, vector: makeVector(structData(field.type, n, children, validity)) };
}

function checkImage(name: string, where: string, img: DecodedImageInput): DecodedImage {
  const { width, height, mode } = img;
  if (!isImageMode(mode)) throw new TypeMismatchError(name, `${where} mode`, `one of ${Object.keys(IMAGE_MODE_CHANNELS).join(", ")}`, describeValue(mode));
  const channels = img.channels ?? IMAGE_MODE_CHANNELS[mode];
  if (channels !== IMAGE_MODE_CHANNELS[mode]) throw new TypeMismatchError(name, `${where} channels for mode ${mode}`, String(IMAGE_MODE_CHANNELS[mode]), String(channels));
  for (const [k, v] of [["width", width], ["height", height]] as const) {
    if (!Number.isSafeInteger(v) || v < 0 || v > 0x7fffffff) throw new TypeMismatchError(name, `${where} ${k}`, "a non-negative int32", describeValue(v));
  }
  const need = width * height * channels;
  if (img.data.length !== need) {
    throw new TypeMismatchError(name, `${where} data length`, `${need} (${width}x${height}x${channels})`, String(img.data.length));
  }
  return { width, height, channels, mode, data: asElementArray("u8", img.data, name) };
}

function imageOf(name: string, data: Data, index: number, row: number): DecodedImage | null {
  if (!isRowValid(data, index)) return null;
  const [bin, w, h, c, m] = data.children as [Data<Binary>, Data, Data, Data, Data];
  const offsets = bin.valueOffsets as Int32Array;
  const bytes = (bin.values as Uint8Array).subarray(offsets[index]!, offsets[index + 1]!);
  const mOffsets = m.valueOffsets as Int32Array;
  const mode = utf8Decoder.decode((m.values as Uint8Array).subarray(mOffsets[index]!, mOffsets[index + 1]!));
  const at = (d: Data): number => (d.values as Int32Array)[index]!;
  return checkImage(name, `row ${row}`, { width: at(w), height: at(h), channels: at(c), mode: mode as ImageMode, data: bytes });
}

const utf8Decoder = new TextDecoder();
